import { z } from 'zod';
import { diskIdSchema, isPathSegment, resourceNameSchema } from '../naming';

/**
 * One replicated disk, named by the three path segments of its blobs
 * (`hrl/{vault}/{item}/{disk}/…`). The same strings are the identity a replica log carries
 * (`vaultId`, `protectedItemId`, `diskId`).
 */
export interface DiskRef {
  vault: string;
  item: string;
  disk: string;
}

/** The vault segment (`sub~rg~vault`): one blob path segment, at most 255 bytes (the HRL identifier limit). */
const vaultSegment = z.string().max(255).refine(isPathSegment, 'must be one storage path segment (letters, digits and . _ ~ ( ) - only)');

/** Item and disk: the API's naming rules (shared/naming), so `~`, `/` and `..` never reach a path. */
export const DiskRefSchema = z.object({ vault: vaultSegment, item: resourceNameSchema, disk: diskIdSchema });

/** Validates a disk reference taken from a trigger or a request. */
export function parseDiskRef(input: unknown): DiskRef {
  return DiskRefSchema.parse(input);
}

/** `vault/item/disk`: for messages and map keys. */
export function diskKey(d: DiskRef): string {
  return `${d.vault}/${d.item}/${d.disk}`;
}
