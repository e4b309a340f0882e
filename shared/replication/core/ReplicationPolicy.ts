import { z } from 'zod';

/** The replication policy settings the merge engine obeys (ASR's Hyper-V-to-Azure policy). */
export const ReplicationPolicySchema = z.object({
  /** Seconds between log cuts at the source: 30, 300 or 900. Sets what "lag" means. */
  replicationInterval: z.union([z.literal(30), z.literal(300), z.literal(900)]),
  /** Hours of recovery points kept, 0-24; 0 keeps only the newest point. */
  recoveryPointHistoryDurationInHours: z.number().min(0).max(24),
  /** Hours between app-consistent points, 0-12; 0 = crash-consistent points only. */
  applicationConsistentSnapshotFrequencyInHours: z.number().min(0).max(12),
});

export type ReplicationPolicy = z.infer<typeof ReplicationPolicySchema>;

/** What to do about recovery points after a log is merged. */
export type RecoveryPointKind = 'CrashConsistent' | 'AppConsistent';

const HOUR = 3600_000;

/**
 * Whether the log just merged (cut at `cutTimeMs`, app-consistent or not) should become a
 * recovery point. Times are the source's cut times, never the merge's wall clock, so replays
 * and late merges decide the same way.
 *
 * - App-consistent: an app-consistent log at least `frequency` hours (less one replication
 *   interval of slack, since the source's schedule jitters) after the last app-consistent point.
 * - Crash-consistent: any log at least `crashPointIntervalMs` after the last point of any kind.
 */
export function recoveryPointWanted(
  policy: ReplicationPolicy,
  log: { cutTimeMs: number; consistency: 'crash' | 'application' },
  last: { pointCutTimeMs?: number; appPointCutTimeMs?: number },
  crashPointIntervalMs: number,
): RecoveryPointKind | undefined {
  const slack = policy.replicationInterval * 1000;
  const appEvery = policy.applicationConsistentSnapshotFrequencyInHours * HOUR;
  if (appEvery > 0 && log.consistency === 'application') {
    if (last.appPointCutTimeMs === undefined || log.cutTimeMs - last.appPointCutTimeMs >= appEvery - slack) return 'AppConsistent';
  }
  if (last.pointCutTimeMs === undefined || log.cutTimeMs - last.pointCutTimeMs >= crashPointIntervalMs) return 'CrashConsistent';
  return undefined;
}

/** How long points are kept, in ms (0 = only the newest). */
export function retentionMs(policy: ReplicationPolicy): number {
  return policy.recoveryPointHistoryDurationInHours * HOUR;
}
