import { FabricError } from './FabricError';

/** The SDKs' RestError, recognised by shape (each SDK may bundle its own copy of the class). */
function restErrorOf(e: unknown): { statusCode?: number; code?: string } | undefined {
  return e instanceof Error && e.name === 'RestError' ? (e as { statusCode?: number; code?: string }) : undefined;
}

/** The HTTP status of an SDK RestError; undefined for anything else. */
export function restStatusOf(e: unknown): number | undefined {
  return restErrorOf(e)?.statusCode;
}

/** Runs an ARM call (awaiting LRO pollers too) and turns its failures into `ArmRequestFailed`. */
export async function armCall<T>(what: string, call: () => PromiseLike<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof FabricError) throw e;
    const status = restErrorOf(e)?.statusCode;
    const code = restErrorOf(e)?.code;
    throw new FabricError('ArmRequestFailed', `could not ${what}: Azure answered ${status ?? 'nothing'}${code ? ` ${code}` : ''}: ${(e as Error).message}`, {
      cause: e,
      retryable: status === undefined || status === 429 || status >= 500,
      possibleCauses: 'The identity lacks a role on the target resource group, a quota is exhausted, the size is not offered in the region, or Azure had a transient fault.',
      recommendedAction: 'Read the Azure error above, fix the permission, quota or setting it names, then restart the job.',
      details: { status, armCode: code },
    });
  }
}

/** A GET that answers undefined on 404 (the resource does not exist). */
export async function armGetOrUndefined<T>(call: () => PromiseLike<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (restErrorOf(e)?.statusCode === 404) return undefined;
    return armCall('read a resource', () => Promise.reject(e));
  }
}
