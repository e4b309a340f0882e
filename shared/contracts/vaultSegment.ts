/**
 * The `{vault}` path segment of a vault: its key (`sub/rg/vault`, lower case) with `/` written
 * as `~`, so it fits one blob path segment and maps back without a lookup. The agent names its
 * blobs with it; the service maps a blob back to its vault with {@link vaultKeyOfSegment}.
 */
export function vaultSegmentOf(vaultKey: string): string {
  return vaultKey.toLowerCase().replace(/\//g, '~');
}

export function vaultKeyOfSegment(segment: string): string {
  return segment.toLowerCase().replace(/~/g, '/');
}
