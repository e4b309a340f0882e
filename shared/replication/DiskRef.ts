import { z } from 'zod';

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

/** A path segment: no `/`, no control characters, at most 255 bytes (the HRL identifier limit). */
const segment = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._~+=@-]*$/, 'letters, digits and . _ ~ + = @ - only, starting with a letter or digit');

export const DiskRefSchema = z.object({ vault: segment, item: segment, disk: segment });

/** Validates a disk reference taken from a trigger or a request. */
export function parseDiskRef(input: unknown): DiskRef {
  return DiskRefSchema.parse(input);
}

/** `vault/item/disk`: for messages and map keys. */
export function diskKey(d: DiskRef): string {
  return `${d.vault}/${d.item}/${d.disk}`;
}
