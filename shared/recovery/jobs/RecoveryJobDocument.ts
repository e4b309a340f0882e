import type { JobDocument } from '../../metadata';
import type { RecoveryJobState } from '../plan/applyJobEvent';
import type { RecoveryJobInput } from '../plan/RecoveryJobInput';

/** A job as stored: ASR's properties plus the input that started it (never a key), for restart. */
export interface RecoveryJobDocument extends JobDocument<RecoveryJobState> {
  recovery: { input: RecoveryJobInput };
}
