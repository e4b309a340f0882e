/**
 * What the vault keeps about source sites, in the `resources` container (partition: the vault):
 * registration keys and registered sites. Secrets are stored only as SHA-256 hashes.
 */

/** A registration key: single use, short-lived; `usedAt` set (with If-Match) when a site registers with it. */
export interface SiteRegistrationKeyProperties {
  secretHash: string;
  expiresAt: string;
  createdBy: string;
  usedAt?: string;
  /** The site that registered with it. */
  siteId?: string;
}

/** A registered source site: its own credential, for upload URLs and its items' replication state. */
export interface SiteProperties {
  siteId: string;
  /** A name the operator recognises (the host name, by default). */
  friendlyName: string;
  secretHash: string;
  registeredAt: string;
  /** The registration key it registered with. */
  registrationKeyId: string;
}

/** Document ids (lower case, no `/`, like every resource id in the container). */
export const siteDocumentIds = {
  registrationKey: (keyId: string) => `siteregistrationkeys|${keyId.toLowerCase()}`,
  site: (siteId: string) => `sites|${siteId.toLowerCase()}`,
};
