import type { HealthError } from '../metadata';

/** ASR's `replicationHealth`. */
export type ReplicationHealth = 'Normal' | 'Warning' | 'Critical';

const RANK: Record<ReplicationHealth, number> = { Normal: 0, Warning: 1, Critical: 2 };

/** The worst health among errors: any Error is Critical, any Warning is Warning, none is Normal. */
export function worstHealth(errors: readonly Pick<HealthError, 'errorLevel'>[]): ReplicationHealth {
  if (errors.some((e) => e.errorLevel === 'Error')) return 'Critical';
  return errors.length > 0 ? 'Warning' : 'Normal';
}

/** The worse of two healths (for roll-ups). */
export function worseOf(a: ReplicationHealth, b: ReplicationHealth): ReplicationHealth {
  return RANK[a] >= RANK[b] ? a : b;
}
