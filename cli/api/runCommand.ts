import { ServiceError } from '../../shared/errors';
import { AsrApiClient } from './AsrApiClient';
import { cliConfigFromEnv } from './CliConfig';

/**
 * Runs a command's body with a client; a typed error becomes `error: <code>: <message>` on
 * stderr and exit code 1 (2 for usage errors), so scripts can branch on the code.
 */
export function runCommand<A extends unknown[]>(body: (client: AsrApiClient, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await body(new AsrApiClient(cliConfigFromEnv()), ...args);
    } catch (err) {
      if (err instanceof ServiceError) {
        process.stderr.write(`error: ${err.code}: ${err.message}\n`);
        process.exitCode = err.code === 'InvalidArgument' ? 2 : 1;
        return;
      }
      throw err;
    }
  };
}

/** A usage error with a message saying what to pass instead. */
export function invalidArgument(message: string): ServiceError {
  return new ServiceError('InvalidArgument', message);
}
