import { ServiceError } from '../../errors';
import type { ProtectedItemProperties, ResourceDocument } from '../../metadata';

/**
 * Reverse replication of an encrypted item ships every round's delta encrypted with the item's
 * key, so the key must come with the reprotect (`primaryKekCertificatePfx`, checked against the
 * fingerprint like a failover's): refused with 400 before anything starts when it is missing.
 */
export function assertReverseKeySupplied(items: ResourceDocument<ProtectedItemProperties>[], key: string | undefined): void {
  if (key) return;
  const encrypted = items.filter((i) => i.properties.providerSpecificDetails.encryptionKeyFingerprint);
  if (encrypted.length === 0) return;
  throw new ServiceError('EncryptionKeyRequired',
    `properties.providerSpecificDetails.primaryKekCertificatePfx: ${encrypted.map((i) => `'${i.name}'`).join(', ')} ${encrypted.length > 1 ? 'are' : 'is'} encrypted: reverse replication encrypts every round's delta with the item's key; supply it (asr … reprotect --direction RecoveryToPrimary --key-file <f>)`,
    { details: { target: 'properties.providerSpecificDetails.primaryKekCertificatePfx' } });
}
