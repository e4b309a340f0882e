import { ServiceError } from '../errors';

/** Reads `$skipToken` (our continuation) from a request URL. */
export function skipTokenOf(url: URL): string | undefined {
  const raw = url.searchParams.get('$skipToken') ?? url.searchParams.get('$skiptoken');
  if (!raw) return undefined;
  try {
    return Buffer.from(raw, 'base64url').toString('utf8');
  } catch (err) {
    throw new ServiceError('InvalidParameter', '$skipToken is not a token this service issued; start the list again', { cause: err });
  }
}

/** `nextLink` for the next page: the same URL with `$skipToken` set, or undefined on the last page. */
export function nextLinkOf(url: URL, continuationToken: string | undefined): string | undefined {
  if (!continuationToken) return undefined;
  const next = new URL(url.toString());
  next.searchParams.delete('$skiptoken');
  next.searchParams.set('$skipToken', Buffer.from(continuationToken, 'utf8').toString('base64url'));
  return next.toString();
}
