import {
  BlobSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential, type BlobServiceClient, type UserDelegationKey,
} from '@azure/storage-blob';
import { ServiceError } from '../errors';

/** Signs a URL for exactly one blob. */
export interface BlobUrlSigner {
  /** A URL granting `permissions` (e.g. `c`) on `container/blob` only, until `expiresOn`. */
  sign(container: string, blob: string, permissions: string, expiresOn: Date): Promise<string>;
}

/** Clocks of the storage service and this host may differ a little: a SAS starts a little in the past. */
const CLOCK_SKEW_MS = 2 * 60_000;

/** A service SAS signed with the account key (Azurite; an account that allows shared keys). */
export function accountKeySigner(blobs: BlobServiceClient, now: () => Date = () => new Date()): BlobUrlSigner {
  const credential = blobs.credential;
  if (!(credential instanceof StorageSharedKeyCredential)) {
    throw new ServiceError('InvalidConfiguration', 'ASR_SITE_SAS_SIGNING=accountKey needs a storage connection string with an AccountKey; use userDelegation with the app\'s identity instead');
  }
  return {
    async sign(container, blob, permissions, expiresOn) {
      const sas = generateBlobSASQueryParameters({
        containerName: container, blobName: blob, permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(now().getTime() - CLOCK_SKEW_MS), expiresOn, protocol: undefined,
      }, credential);
      return `${blobs.getContainerClient(container).getBlobClient(blob).url}?${sas.toString()}`;
    },
  };
}

/**
 * A user delegation SAS: signed with a key the storage service issues to the app's identity
 * (Entra ID), so no account key exists in the app. The delegation key is fetched for a few hours
 * and reused until it has less than an hour left; a SAS never outlives its key.
 */
export function userDelegationSigner(blobs: BlobServiceClient, now: () => Date = () => new Date()): BlobUrlSigner {
  let cached: { key: UserDelegationKey; expiresOn: Date } | undefined;
  const accountName = blobs.accountName;
  return {
    async sign(container, blob, permissions, expiresOn) {
      const t = now().getTime();
      if (!cached || cached.expiresOn.getTime() - t < 60 * 60_000) {
        const expires = new Date(t + 4 * 60 * 60_000);
        cached = { key: await blobs.getUserDelegationKey(new Date(t - CLOCK_SKEW_MS), expires), expiresOn: expires };
      }
      const sas = generateBlobSASQueryParameters({
        containerName: container, blobName: blob, permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(t - CLOCK_SKEW_MS), expiresOn: expiresOn < cached.expiresOn ? expiresOn : cached.expiresOn,
      }, cached.key, accountName);
      return `${blobs.getContainerClient(container).getBlobClient(blob).url}?${sas.toString()}`;
    },
  };
}
