import { ServiceError } from '../../shared/errors';
import { AsrApiClient } from './AsrApiClient';
import { cliConfigFromEnv } from './CliConfig';

/**
 * Wraps a command's body with a client built from the environment. Errors propagate as typed
 * `ServiceError`s (the API's code, or `InvalidArgument`, `Unreachable`, `DevIssuerMissing`)
 * to `cli/asr.ts`, which prints one line with the code and sets the exit code.
 */
export function runCommand<A extends unknown[]>(body: (client: AsrApiClient, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return (...args: A) => body(new AsrApiClient(cliConfigFromEnv()), ...args);
}

/** A usage error with a message saying what to pass instead. */
export function invalidArgument(message: string): ServiceError {
  return new ServiceError('InvalidArgument', message);
}
