/** RPO above which an item's replication health turns Warning, and Critical. */
export interface RpoThresholds {
  warningSeconds: number;
  criticalSeconds: number;
}

/**
 * Thresholds derived from the policy's replication interval `i` (seconds). Normal RPO swings
 * between the merge delay and one interval plus that delay, so:
 * - Warning above 2·i + 60 s: at least one whole cycle is missing (a minute of slack for upload
 *   and merge);
 * - Critical above 6·i + 120 s: about five cycles are missing; replication has stopped.
 * For 30 s / 5 min / 15 min policies: Warning above 2 / 11 / 31 min, Critical above 5 / 32 / 92 min.
 * See docs/replication.md ("Protection state, health and RPO").
 */
export function rpoThresholds(intervalSeconds: number): RpoThresholds {
  return { warningSeconds: 2 * intervalSeconds + 60, criticalSeconds: 6 * intervalSeconds + 120 };
}
