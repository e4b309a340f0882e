import { WireRetryOptions } from '../actions/OrchestratorAction';

/**
 * Delay before the next attempt after `failedAttempts` failures: first interval times
 * backoff^(n-1), capped by maxRetryInterval, as DTFx RetryOptions computes it.
 */
export function retryDelayMs(options: WireRetryOptions, failedAttempts: number): number {
  const backoff = options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, Math.max(0, failedAttempts - 1));
  const cap = options.maxRetryIntervalInMilliseconds && options.maxRetryIntervalInMilliseconds > 0
    ? options.maxRetryIntervalInMilliseconds : Number.MAX_SAFE_INTEGER;
  return Math.min(delay, cap);
}

/**
 * Whether another attempt follows the timer after `failedAttempts` failures. The library
 * counts attempts only (it ignores retryTimeoutInMilliseconds), so the host must do the same
 * or the two would disagree on task ids.
 */
export function hasAttemptLeft(options: WireRetryOptions, failedAttempts: number): boolean {
  return failedAttempts + 1 <= options.maxNumberOfAttempts;
}
