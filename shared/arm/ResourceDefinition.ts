import type { z } from 'zod';
import type { MetadataStore, ResourceDocument, ResourceKind } from '../metadata';

/** What a resource's builder knows about the request it serves. */
export interface BuildContext {
  store: MetadataStore;
  vaultKey: string;
  /** The vault's ARM id in the caller's spelling. */
  vaultArmId: string;
  vaultLocation: string;
  /** The new resource's name and full ARM id. */
  name: string;
  armId: string;
  /** Names from the path, outermost first (e.g. fabric, container, item). */
  names: string[];
  /** ARM ids of the stored ancestors (fabric, container), outermost first. */
  ancestorIds: string[];
  /** Recovery resource group (a name in the vault's subscription) of items that name none (ArmContext). */
  recoveryResourceGroup: string;
  /** Local development (`ASR_AUTH_MODE=local`): loopback http URLs are accepted for webhooks. */
  development: boolean;
}

/** What presenting a stored resource may look at: the time of the answer and the vault's other documents. */
export interface PresentContext {
  /** The time of the answer (values like an RPO are computed for it). */
  now: Date;
  store: MetadataStore;
  vaultKey: string;
  /** The resource's name. */
  name: string;
  /** Reads shared by one answer (a page of items reads their policy once). */
  memo: Map<string, Promise<unknown>>;
}

/** The properties to store and the resources they depend on (lower-cased ARM ids). */
export interface BuiltResource<P> {
  properties: P;
  refs: string[];
}

/**
 * One kind of vault resource: where it lives in the URL space, its ARM type, how a request
 * body becomes its stored properties, and how ASR's client expects its writes answered.
 */
export interface ResourceDefinition<P = Record<string, unknown>> {
  kind: ResourceKind;
  /** Collection segments from the vault down, e.g. `['replicationFabrics', 'replicationProtectionContainers']`. */
  collections: string[];
  /**
   * Which path levels are stored resources whose existence a child requires (indexes into
   * `collections`); e.g. network mappings sit under a fabric (stored) and a network (not stored).
   */
  storedAncestors: number[];
  /** ARM `type`. */
  type: string;
  /** Vault-level list path segment, when ASR has one (e.g. `replicationProtectedItems`). */
  vaultListSegment?: string;
  /** PUT of an existing resource: replace it, or refuse with Conflict (enable protection twice). */
  putReplaces: boolean;
  /** PUT answered 202 + Location (enable protection) rather than 200/201. */
  asyncPut: boolean;
  /** A synchronous PUT that creates answers 200, not 201 (ASR's alert settings: the client accepts only 200). */
  createAnswers200?: boolean;
  /** Also answers ASR's `POST …/{name}/remove` (the client's `beginDelete`; its DELETE is `beginPurge`). */
  postRemove?: boolean;
  /** DELETE answered 202 + Location (ASR's LRO deletes) rather than 200. */
  asyncDelete: boolean;
  createSchema: z.ZodType;
  updateSchema?: z.ZodType;
  build(input: unknown, ctx: BuildContext, existing?: ResourceDocument<P>): Promise<BuiltResource<P>>;
  update?(input: unknown, existing: ResourceDocument<P>, ctx: BuildContext): Promise<BuiltResource<P>>;
  /**
   * PUT of a resource that exists, when `putReplaces` is false: throws the refusal that names
   * what exists and how to go on (without this hook: a generic `Conflict`). Returning means the
   * request restates the existing resource (a retry after a lost answer): it is answered as
   * it stands, unchanged.
   */
  existingPut?(input: unknown, existing: ResourceDocument<P>, ctx: BuildContext): Promise<void>;
  /** The properties as answered, when they add derived views (or values computed for `ctx.now`) to what is stored. */
  present?(properties: P, ctx: PresentContext): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Work after the document is deleted (e.g. drop an item's recovery points). */
  afterDelete?(doc: ResourceDocument<P>, ctx: BuildContext): Promise<void>;
}
