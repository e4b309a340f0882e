/**
 * The tags every resource a failover creates carries, so cleanup (test failover cleanup, cancel,
 * a retried job) finds everything a job made without remembering it. Values are strings: ARM tags
 * and blob metadata are string maps.
 */
export interface FabricTags {
  vault: string;
  /** Recovery plan name; absent for a single-item failover. */
  plan?: string;
  /** The job (operation) that created the resource. */
  job: string;
  /** The protected item the machine recovers. */
  item: string;
  /** The scenario that made it: `TestFailover`, `PlannedFailover`, `UnplannedFailover`. */
  scenario: string;
  /**
   * Test hook, honoured by the local fabric only: `FailStart` makes `startMachine` fail with
   * `MachineStartFailed`. Fault injection, never set by the service itself.
   */
  faultInjection?: 'FailStart';
}

/** Tag (ARM) / metadata (blob) key of each field. Blob metadata keys must be C# identifiers, so no dashes. */
export const FABRIC_TAG_KEYS: Record<keyof FabricTags, string> = {
  vault: 'asrvault',
  plan: 'asrplan',
  job: 'asrjob',
  item: 'asritem',
  scenario: 'asrscenario',
  faultInjection: 'asrfaultinjection',
};

/** Tags as a flat string map with {@link FABRIC_TAG_KEYS} keys. */
export function tagsToRecord(tags: FabricTags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(FABRIC_TAG_KEYS) as (keyof FabricTags)[]) {
    const v = tags[k];
    if (v !== undefined) out[FABRIC_TAG_KEYS[k]] = v;
  }
  return out;
}

/** The inverse of {@link tagsToRecord}; undefined when the map is not a failover's (no job/item/vault). Keys compare case-insensitively (blob metadata is lower-cased by some stores). */
export function tagsFromRecord(record: Record<string, string> | undefined): FabricTags | undefined {
  if (!record) return undefined;
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) lower[k.toLowerCase()] = v;
  const get = (k: keyof FabricTags) => lower[FABRIC_TAG_KEYS[k]];
  const vault = get('vault');
  const job = get('job');
  const item = get('item');
  if (!vault || !job || !item) return undefined;
  const tags: FabricTags = { vault, job, item, scenario: get('scenario') ?? '' };
  if (get('plan')) tags.plan = get('plan');
  if (get('faultInjection') === 'FailStart') tags.faultInjection = 'FailStart';
  return tags;
}

/** Which resources to find: every given field must match. */
export type FabricTagFilter = Partial<Pick<FabricTags, 'vault' | 'plan' | 'job' | 'item'>>;

export function tagsMatch(tags: FabricTags, filter: FabricTagFilter): boolean {
  return (Object.keys(filter) as (keyof FabricTagFilter)[]).every((k) => filter[k] === undefined || tags[k] === filter[k]);
}
