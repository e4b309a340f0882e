import { z } from 'zod';

/**
 * Which state of the source a failover brings up. `Latest` drains pending logs first (the
 * smallest data loss); `LatestProcessed` takes what is already merged (fastest);
 * `LatestApplicationConsistent` / `LatestCrashConsistent` the newest recovery point of that
 * kind; `Point` a recovery point by id; `Time` any log boundary in the journal window.
 */
export type RecoveryPointChoice =
  | { kind: 'Latest' }
  | { kind: 'LatestProcessed' }
  | { kind: 'LatestApplicationConsistent' }
  | { kind: 'LatestCrashConsistent' }
  | { kind: 'Point'; pointId: string }
  | { kind: 'Time'; time: string };

export const RecoveryPointChoiceSchema: z.ZodType<RecoveryPointChoice> = z.union([
  z.object({ kind: z.enum(['Latest', 'LatestProcessed', 'LatestApplicationConsistent', 'LatestCrashConsistent']) }),
  z.object({ kind: z.literal('Point'), pointId: z.string().min(1) }),
  z.object({ kind: z.literal('Time'), time: z.iso.datetime({ offset: true }) }),
]) as z.ZodType<RecoveryPointChoice>;

/**
 * Reads the choice from ASR's failover input fields: `recoveryPointId` (a point id or full ARM
 * id), `recoveryPointType` (`Latest`, `LatestProcessed`, …) or our `recoveryPointTime`.
 */
export function recoveryPointChoiceOf(details: { recoveryPointId?: string; recoveryPointType?: string; recoveryPointTime?: string } | undefined, fallback: RecoveryPointChoice['kind'] = 'Latest'): RecoveryPointChoice {
  if (details?.recoveryPointId) return { kind: 'Point', pointId: details.recoveryPointId.split('/').pop()! };
  if (details?.recoveryPointTime) return { kind: 'Time', time: new Date(details.recoveryPointTime).toISOString() };
  const t = details?.recoveryPointType;
  if (t === 'Latest' || t === 'LatestProcessed' || t === 'LatestApplicationConsistent' || t === 'LatestCrashConsistent') return { kind: t };
  return { kind: fallback as 'Latest' };
}
