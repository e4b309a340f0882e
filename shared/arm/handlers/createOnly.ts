import { ServiceError } from '../../errors';

/**
 * The create of a PUT. Two racing creates of one name both find nothing, and the store lets one
 * through; with `If-None-Match: *` the loser hears 412 (the resource exists now), as ARM answers.
 */
export async function createOnly<T>(create: () => Promise<T>, ifNoneMatch: boolean, what: string): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (ifNoneMatch && err instanceof ServiceError && err.code === 'Conflict') {
      throw new ServiceError('PreconditionFailed', `${what} already exists (If-None-Match: *)`, { cause: err });
    }
    throw err;
  }
}
