import { ServiceError } from '../errors';

function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

/**
 * Turns an `@azure/cosmos` error into the store's typed error. `what` names the document
 * (e.g. `replication policy 'p1'`) so the message tells the caller what to do.
 */
export function translateCosmosError(err: unknown, what: string): ServiceError {
  if (err instanceof ServiceError) return err;
  const status = statusOf(err);
  switch (status) {
    case 404:
      return new ServiceError('NotFound', `${what} does not exist`, { cause: err });
    case 409:
      return new ServiceError('Conflict', `${what} already exists`, { cause: err });
    case 412:
      return new ServiceError('PreconditionFailed',
        `${what} was changed by someone else since you read it; read it again and retry your change`, { cause: err });
    case 413:
      // Cosmos DB's item limit (2 MB); a retry cannot help, the writer must store less in one document.
      return new ServiceError('MetadataDocumentTooLarge', `${what} is larger than the metadata store takes in one document (2 MB)`, { cause: err });
    case 429:
      return new ServiceError('Throttled', `the metadata store is busy; retry ${what} shortly`, { retryable: true, cause: err });
    default:
      return new ServiceError('MetadataUnavailable',
        `the metadata store failed on ${what} (${status ?? (err as Error)?.message ?? 'unknown'}); retry later`,
        { retryable: true, cause: err });
  }
}
