/** Where the metadata lives and how long history is kept. */
export interface MetadataStoreConfig {
  endpoint: string;
  key: string;
  databaseId: string;
  /** Seconds Cosmos DB keeps a job after its last write (default 30 days, like ASR's job history). */
  jobTtlSeconds: number;
  /** Seconds Cosmos DB keeps an audit event (default 90 days). */
  auditTtlSeconds: number;
  /** Seconds Cosmos DB keeps a replication event (default 30 days). */
  eventTtlSeconds?: number;
  /** Seconds Cosmos DB remembers an alert a rule acted on (default 30 days): a redelivery within them starts nothing. */
  alertTriggerTtlSeconds?: number;
}

/** The containers of the metadata database, by role. */
export const METADATA_CONTAINERS = {
  vaults: 'vaults',
  resources: 'resources',
  recoveryPoints: 'recoveryPoints',
  jobs: 'jobs',
  jobTasks: 'jobTasks',
  audit: 'audit',
  events: 'events',
  alertTriggers: 'alertTriggers',
} as const;

const DAY = 86400;

/** Replication events are kept this long unless `ASR_EVENT_TTL_DAYS` says otherwise. */
export const DEFAULT_EVENT_TTL_SECONDS = 30 * DAY;

/** How long an alert a rule acted on is remembered (Azure Monitor and Event Grid give up retrying long before). */
export const DEFAULT_ALERT_TRIGGER_TTL_SECONDS = 30 * DAY;

/**
 * Reads the configuration from the environment: `COSMOS_ENDPOINT`, `COSMOS_KEY`,
 * `COSMOS_DATABASE` (default `siterecovery`), `ASR_JOB_TTL_DAYS` (30), `ASR_AUDIT_TTL_DAYS` (90), `ASR_EVENT_TTL_DAYS` (30).
 */
export function metadataStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MetadataStoreConfig {
  const endpoint = env.COSMOS_ENDPOINT;
  const key = env.COSMOS_KEY;
  if (!endpoint || !key) {
    throw new Error('COSMOS_ENDPOINT and COSMOS_KEY must be set (the local host sets them for its embedded Cosmos DB)');
  }
  const days = (name: string, dflt: number): number => {
    const v = env[name];
    const n = v === undefined || v === '' ? dflt : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number of days, got ${v}`);
    return Math.round(n * DAY);
  };
  return {
    endpoint,
    key,
    databaseId: env.COSMOS_DATABASE || 'siterecovery',
    jobTtlSeconds: days('ASR_JOB_TTL_DAYS', 30),
    auditTtlSeconds: days('ASR_AUDIT_TTL_DAYS', 90),
    eventTtlSeconds: days('ASR_EVENT_TTL_DAYS', 30),
  };
}
