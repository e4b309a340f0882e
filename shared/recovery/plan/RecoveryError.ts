import { ServiceError, type ServiceErrorOptions } from '../../errors';

/**
 * A failure of a recovery step, with what ASR's job errors carry besides code and message:
 * why it may have happened and what to do.
 */
export class RecoveryError extends ServiceError {
  readonly possibleCauses: string;
  readonly recommendedAction: string;

  constructor(code: string, message: string, advice: { possibleCauses: string; recommendedAction: string }, options: ServiceErrorOptions = {}) {
    super(code, message, options);
    this.possibleCauses = advice.possibleCauses;
    this.recommendedAction = advice.recommendedAction;
  }
}
