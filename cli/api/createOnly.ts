import { ServiceError } from '../../shared/errors';
import type { ArmResource, AsrApiClient } from './AsrApiClient';

/**
 * `create` never replaces: the PUT carries `If-None-Match: *`, so the service refuses an
 * existing name (412) in the same step that would create it. A check here (GET, then PUT)
 * would let two racing creates both "win"; the conditional PUT lets exactly one through.
 * The refusal names the command that changes the resource instead.
 */
export async function createOnly(client: AsrApiClient, path: string, body: unknown, what: string, updateCommand: string): Promise<ArmResource> {
  try {
    return await client.put(path, body, { 'if-none-match': '*' });
  } catch (err) {
    if (err instanceof ServiceError && (err.code === 'PreconditionFailed' || err.code === 'Conflict') && /already exists/.test(err.message)) {
      throw new ServiceError('AlreadyExists', `${what} already exists; change it with '${updateCommand}' (or delete it first)`, { cause: err });
    }
    throw err;
  }
}
