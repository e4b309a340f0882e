import { FabricError } from './FabricError';

/** The SDKs' RestError, recognised by shape (each SDK may bundle its own copy of the class). */
function restErrorOf(e: unknown): { statusCode?: number; code?: string } | undefined {
  return e instanceof Error && e.name === 'RestError' ? (e as { statusCode?: number; code?: string }) : undefined;
}

/** Codes of a failed long-running operation worth another try. */
const TRANSIENT_OPERATION_CODES = /^(InternalServerError|InternalExecutionError|ServiceUnavailable|RetryableError|TooManyRequests|OperationPreempted)$/i;

/**
 * The SDK pollers (core-lro) turn an operation whose status resource says `Failed` into a plain
 * Error "The long-running operation has failed. {code}. {message}": recover ARM's code from it.
 */
function failedOperationOf(e: unknown): { code: string; message: string } | undefined {
  const m = e instanceof Error ? /^The long-running operation has failed\. ([\w.]+)\. ([\s\S]*)$/.exec(e.message) : null;
  return m ? { code: m[1], message: m[2] } : undefined;
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
    const failed = failedOperationOf(e);
    if (failed) {
      throw new FabricError('ArmRequestFailed', `could not ${what}: Azure's long-running operation failed: ${failed.code}: ${failed.message}`, {
        cause: e,
        retryable: TRANSIENT_OPERATION_CODES.test(failed.code),
        possibleCauses: 'Azure accepted the request but the operation failed (capacity, a lock, a policy, or a transient fault).',
        recommendedAction: 'Read the Azure error above, fix what it names, then restart the job.',
        details: { armCode: failed.code },
      });
    }
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
