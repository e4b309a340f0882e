import { resourceDocumentId, vaultRelativeSegments } from './documentIds';

/** The metadata store's document id of a vault resource named by its full ARM id. */
export function documentIdOfArmId(armId: string): string {
  const rel = vaultRelativeSegments(armId);
  if (!rel) throw new Error(`'${armId}' is not the ARM id of a vault resource`);
  return resourceDocumentId(rel);
}
