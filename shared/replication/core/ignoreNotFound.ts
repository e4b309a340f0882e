/** Runs a call and takes the given statuses to mean "nothing left to do": undefined, not a throw. */
async function ignoreStatuses<T>(call: Promise<T>, statuses: readonly number[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (statuses.includes((err as { statusCode?: number }).statusCode ?? 0)) return undefined;
    throw err;
  }
}

/** Runs a delete-like call and treats 404 as success (someone else already did it). */
export function ignoreNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  return ignoreStatuses(call, [404]);
}

/**
 * Runs a call made only on one version of a blob (If-Match, x-ms-source-if-match) and treats the
 * blob being gone (404) or already another version (412) as "not ours any more".
 */
export function ignoreGone<T>(call: Promise<T>): Promise<T | undefined> {
  return ignoreStatuses(call, [404, 412]);
}
