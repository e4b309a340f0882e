import { ServiceError } from '../errors';

/**
 * What one blob path segment may hold: the characters of validated names plus `~` (the vault
 * segment's separator), `(` `)` of resource groups and `=`/`+`/`@`. No `/`, `\`, `%`, control or
 * non-ASCII characters, never `.` or `..`, never a trailing `.` (Blob storage drops it).
 */
const SEGMENT = /^[A-Za-z0-9_()~=+@-][A-Za-z0-9._()~=+@-]{0,254}$/;

/** True when `value` can be one segment of a blob path. */
export function isPathSegment(value: string): boolean {
  return SEGMENT.test(value) && !value.endsWith('.');
}

/**
 * Joins validated segments into a blob path; refuses (`InvalidPathSegment`) any segment that
 * could split, escape or collide with another path. Every blob path builder goes through here,
 * so a name that slipped past the edge still cannot reach another item's blobs.
 * `suffix` is appended to the last segment as is (a fixed extension such as `.vhd`, or `/` for a prefix).
 */
export function blobPath(segments: readonly string[], suffix = ''): string {
  for (const s of segments) {
    if (!isPathSegment(s)) {
      throw new ServiceError('InvalidPathSegment', `'${s.slice(0, 80)}' cannot be part of a storage path: use letters, digits, ".", "_" and "-" only`);
    }
  }
  return segments.join('/') + suffix;
}
