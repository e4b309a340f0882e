import { ServiceError } from '../errors';
import type { MetadataStore, ResourceDocument } from '../metadata';
import { siteDocumentIds, type SiteProperties, type SiteRegistrationKeyProperties } from './SiteDocuments';
import { hashSecret, newId, newSecret, secretMatches } from './siteSecrets';

/** A registration key as handed to the operator once: `{keyId}.{secret}`; only its hash is kept. */
export interface IssuedRegistrationKey {
  keyId: string;
  /** `{keyId}.{secret}`: what goes into the key file. */
  registrationKey: string;
  expiresAt: string;
}

/** A site's identity as handed to the agent once; only the secret's hash is kept. */
export interface SiteCredential {
  siteId: string;
  siteSecret: string;
}

const registrationKeyUnusable = (code: string, message: string) => new ServiceError(code, message);

/**
 * Source sites of one vault: registration keys (single use, short-lived) and the sites that
 * registered with them. Nothing here trusts the caller: a key is checked by hash and spent with
 * If-Match, so two registrations racing on one key give one site and one `RegistrationKeyUsed`.
 */
export class SiteRegistry {
  constructor(private readonly store: MetadataStore, private readonly now: () => Date = () => new Date()) {}

  async issueRegistrationKey(vaultKey: string, vaultArmId: string, createdBy: string, minutes: number): Promise<IssuedRegistrationKey> {
    const keyId = newId();
    const secret = newSecret();
    const at = this.now();
    const expiresAt = new Date(at.getTime() + minutes * 60_000).toISOString();
    await this.store.createResource<SiteRegistrationKeyProperties>({
      id: siteDocumentIds.registrationKey(keyId), vaultKey, kind: 'siteRegistrationKey', name: keyId,
      armId: `${vaultArmId}/siteRegistrationKeys/${keyId}`, refs: [],
      properties: { secretHash: hashSecret(secret), expiresAt, createdBy },
      createdAt: at.toISOString(), updatedAt: at.toISOString(), createdBy,
    });
    return { keyId, registrationKey: `${keyId}.${secret}`, expiresAt };
  }

  /** Spends a registration key and creates the site: `RegistrationKeyInvalid|Expired|Used` (401) otherwise. */
  async register(vaultKey: string, vaultArmId: string, registrationKey: string, friendlyName: string): Promise<SiteCredential> {
    const [keyId, secret] = registrationKey.split('.', 2);
    const doc = keyId && secret ? await this.store.getResource<SiteRegistrationKeyProperties>(vaultKey, siteDocumentIds.registrationKey(keyId)) : undefined;
    if (!doc || !secretMatches(secret, doc.properties.secretHash)) {
      throw registrationKeyUnusable('RegistrationKeyInvalid', "this registration key was not issued by this vault (or was altered); get a new one with 'asr site register-key <vault> --out <file>'");
    }
    if (doc.properties.usedAt) {
      throw registrationKeyUnusable('RegistrationKeyUsed', `this registration key was already used (at ${doc.properties.usedAt}); a key registers one site once: get a new one with 'asr site register-key'`);
    }
    const at = this.now();
    if (Date.parse(doc.properties.expiresAt) <= at.getTime()) {
      throw registrationKeyUnusable('RegistrationKeyExpired', `this registration key expired at ${doc.properties.expiresAt}; get a new one with 'asr site register-key'`);
    }
    const siteId = newId();
    try {
      await this.store.replaceResource<SiteRegistrationKeyProperties>({
        ...doc, properties: { ...doc.properties, usedAt: at.toISOString(), siteId }, updatedAt: at.toISOString(),
      }, { ifMatch: doc._etag });
    } catch (err) {
      if (err instanceof ServiceError && (err.code === 'PreconditionFailed' || err.code === 'NotFound')) {
        throw registrationKeyUnusable('RegistrationKeyUsed', "this registration key was used by another registration at the same moment; get a new one with 'asr site register-key'");
      }
      throw err;
    }
    const siteSecret = newSecret();
    await this.store.createResource<SiteProperties>({
      id: siteDocumentIds.site(siteId), vaultKey, kind: 'site', name: siteId,
      armId: `${vaultArmId}/sites/${siteId}`, refs: [],
      properties: { siteId, friendlyName, secretHash: hashSecret(siteSecret), registeredAt: at.toISOString(), registrationKeyId: keyId },
      createdAt: at.toISOString(), updatedAt: at.toISOString(), createdBy: `registration key ${keyId}`,
    });
    return { siteId, siteSecret };
  }

  /** The site whose secret this is, or `SiteCredentialInvalid` (401). */
  async authenticate(vaultKey: string, siteId: string, secret: string | undefined): Promise<ResourceDocument<SiteProperties>> {
    const doc = secret ? await this.store.getResource<SiteProperties>(vaultKey, siteDocumentIds.site(siteId)) : undefined;
    if (!doc || !secret || !secretMatches(secret, doc.properties.secretHash)) {
      throw new ServiceError('SiteCredentialInvalid', `site '${siteId}' is not registered with this vault or its credential is wrong; register the site again with a new registration key`);
    }
    return doc;
  }

  /** Whether the vault has a site with this id (for binding an item to it). */
  async exists(vaultKey: string, siteId: string): Promise<boolean> {
    return (await this.store.getResource(vaultKey, siteDocumentIds.site(siteId))) !== undefined;
  }

  /** Removes every site and registration key of a vault (the vault is being deleted). */
  async forgetVault(vaultKey: string): Promise<void> {
    for (const kind of ['site', 'siteRegistrationKey'] as const) {
      for (;;) {
        const { items } = await this.store.listResources(vaultKey, { kind, maxItemCount: 100 });
        if (items.length === 0) break;
        for (const d of items) await this.store.deleteResource(vaultKey, d.id).catch((err: unknown) => {
          if (!(err instanceof ServiceError && err.code === 'NotFound')) throw err;
        });
      }
    }
  }
}
