import { ServiceError } from '../../../shared/errors/ServiceError';

/** Codes the Durable store and client raise; the HTTP API maps each to one status code. */
export type DurableErrorCode =
  | 'InstanceNotFound' | 'InstanceFinished' | 'InstanceExists' | 'InstanceRunning' | 'InstanceNotFailed'
  | 'OrchestratorNotFound' | 'InvalidRequest' | 'NotSupported' | 'EtagMismatch' | 'PayloadTooLarge';

/** A Durable operation that cannot proceed; `code` says why. */
export class DurableStoreError extends ServiceError {
  declare readonly code: DurableErrorCode;
  constructor(code: DurableErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
