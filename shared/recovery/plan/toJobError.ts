import { ServiceError } from '../../errors';
import type { AsrServiceErrorDetails } from './AsrJob';

/** Advice for codes whose thrower gave none. */
const ADVICE: Record<string, { possibleCauses: string; recommendedAction: string }> = {
  DrainIncomplete: {
    possibleCauses: 'A replica log is missing or was quarantined, so the disk cannot reach the requested point.',
    recommendedAction: 'Choose an earlier recovery point (LatestProcessed or a point id), or wait until the missing logs arrive.',
  },
  NoRecoveryPoint: {
    possibleCauses: 'The requested point is outside the retention window or the disk has not replicated that far.',
    recommendedAction: 'List the item\'s recovery points and choose one that exists.',
  },
  ReplicaNotFound: {
    possibleCauses: 'Initial replication has not finished for this item.',
    recommendedAction: 'Wait until the item is Protected, then retry.',
  },
  InvalidReplicationRequest: {
    possibleCauses: 'The key supplied does not match the key the item replicates with.',
    recommendedAction: 'Supply the item\'s encryption key (--key-file) and retry.',
  },
  ResyncEpochNotNewer: {
    possibleCauses: 'Another repair or resync of the item started at the same time and moved its replicas to a newer epoch.',
    recommendedAction: 'Follow the newer repair (asr item show); start another only if that one fails.',
  },
  DiskGrewBeyondReplica: {
    possibleCauses: 'The source disk was expanded after protection was enabled; the replica keeps the size protection started with.',
    recommendedAction: 'Disable and re-enable protection of the item to replicate the larger disk.',
  },
  EarlierEpochNeedsPoint: {
    possibleCauses: 'A disk of an earlier replication epoch (before a resync) was asked for without a point in it.',
    recommendedAction: 'Choose a recovery point id or a time within that epoch.',
  },
  JournalIncomplete: {
    possibleCauses: 'Journal logs between the recovery point and the requested time were removed.',
    recommendedAction: 'Choose a recovery point or a time nearer a recovery point.',
  },
};

/**
 * The job error for any failure: our typed errors keep their code and advice; anything else is
 * an internal error with a generic recommendation (the message still says what happened).
 */
export function toJobError(err: unknown, context?: string): AsrServiceErrorDetails {
  const prefix = context ? `${context}: ` : '';
  if (err instanceof ServiceError) {
    const e = err as ServiceError & { possibleCauses?: string; recommendedAction?: string };
    const advice = ADVICE[e.code];
    return {
      code: e.code,
      message: prefix + e.message,
      possibleCauses: e.possibleCauses || advice?.possibleCauses || '',
      recommendedAction: e.recommendedAction || advice?.recommendedAction || (e.retryable ? 'Retry the operation.' : 'Correct the cause and restart the job.'),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'InternalError', message: prefix + message, possibleCauses: 'An unexpected failure in the service.', recommendedAction: 'Restart the job; report it if it fails again.' };
}
