// The layer table of docs/architecture.md, enforced by lint/layerImportsRule.js (`layers/imports`).
// A zone is a folder; a file belongs to the longest zone that contains it. A zone may import
// itself and the zones in `mayImport` (and their sub-folders). `valueImportsOnlyFrom` narrows
// what may be imported as a value (types stay free): how orchestrators and pure folders are
// kept free of I/O by folder, not by file name.
//
// Folders marked (issue 11) do not exist yet: they are the target layout, inert until the files
// move, and then enforced without another edit here.

/** Pure folders: no I/O, no clock, no randomness (the determinism rule of eslint.config.js covers them too). */
const PURE = [
  'shared/errors',
  'shared/naming', // ARM name rules: regular expressions and zod schemas
  'shared/recovery/plan', // (issue 11)
  'shared/automation/policy', // (issue 11)
];

/** Leaves every layer may use. */
const KERNEL = ['shared/errors', 'shared/config', 'shared/os', 'shared/naming', 'shared/telemetry'];
/** Formats and primitives with no service knowledge. */
const FORMATS = ['shared/crypto', 'shared/integrity', 'shared/disk', 'shared/hrl'];
/** Wire contracts between the source agent and the service (issue 11): ids, blob layout, replica state, shutdown requests. */
const CONTRACTS = ['shared/contracts'];
/** Functions types belong in functions/ and devhost/ only. */
const NO_FUNCTIONS_TYPES = [
  { name: '@azure/functions', message: 'shared/ is free of Functions types (ARCHITECTURE.md): take plain values, let functions/ adapt' },
  { name: 'durable-functions', message: 'shared/ is free of Functions types (ARCHITECTURE.md): orchestrators live in functions/orchestrators' },
];

const RECOVERY_MAY_IMPORT = [...KERNEL, ...CONTRACTS, 'shared/crypto', 'shared/metadata', 'shared/protection', 'shared/replication', 'shared/fabric', 'shared/automation', 'shared/events'];
const REPLICATION_CORE = [...KERNEL, ...CONTRACTS, ...FORMATS, 'shared/protection'];

const zones = {
  // A folder added under shared/ lands here until it gets its own row: it may import nothing.
  shared: { mayImport: [], forbiddenPackages: NO_FUNCTIONS_TYPES },
  // kernel and formats: leaves
  'shared/errors': { mayImport: [], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/os': { mayImport: ['shared/errors'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/config': { mayImport: ['shared/errors'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/crypto': { mayImport: ['shared/errors'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/integrity': { mayImport: ['shared/errors', 'shared/crypto'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/disk': { mayImport: ['shared/errors', 'shared/crypto', 'shared/integrity'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/hrl': { mayImport: ['shared/errors', 'shared/crypto', 'shared/integrity'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/contracts': { mayImport: ['shared/errors', 'shared/naming'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  // traces and metrics over the OpenTelemetry API; the one file that loads the Application Insights SDK
  'shared/telemetry': { mayImport: ['shared/errors'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  // ARM naming rules and the only way to join validated segments into a storage path
  'shared/naming': { mayImport: ['shared/errors'], forbiddenPackages: NO_FUNCTIONS_TYPES },

  // stores and adapters of one concern each
  'shared/metadata': { mayImport: [...KERNEL, ...CONTRACTS], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/security': { mayImport: [...KERNEL, 'shared/crypto'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  // protection status derived from metadata (arrives with the protection-status work on branch A-status)
  'shared/protection': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/metadata'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/health': { mayImport: [...KERNEL, 'shared/metadata'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  // replication events: raised into the outbox of the document whose change causes them, published to the events container
  'shared/events': { mayImport: [...KERNEL, 'shared/metadata'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/automation': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/crypto', 'shared/automation'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/automation/policy': { mayImport: [...KERNEL, ...CONTRACTS], valueImportsOnlyFrom: PURE, forbiddenPackages: NO_FUNCTIONS_TYPES },

  // the target fabric is a leaf: machines from disks it is handed, never the replica
  'shared/fabric': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/crypto', 'shared/integrity', 'shared/disk'], forbiddenPackages: NO_FUNCTIONS_TYPES },

  // replication: merge engine, journal, materialisation; only its adapters know the metadata store
  // (the composition root replicationDepsFromEnv stays at the top and may wire the sub-folders)
  'shared/replication': { mayImport: [...REPLICATION_CORE, 'shared/metadata', 'shared/events', 'shared/replication'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/replication/journal': { mayImport: [...REPLICATION_CORE, 'shared/replication/core'], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)
  'shared/replication/merge': { mayImport: [...REPLICATION_CORE, 'shared/replication/core', 'shared/replication/journal'], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)
  'shared/replication/materialize': { mayImport: [...REPLICATION_CORE, 'shared/replication/core', 'shared/replication/journal'], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)
  'shared/replication/core': { mayImport: [...REPLICATION_CORE], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)
  // failback data path: digests, delta logs and round blobs (docs/failback.md)
  'shared/replication/failback': { mayImport: [...REPLICATION_CORE, 'shared/replication/core'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/replication/adapters': { mayImport: [...REPLICATION_CORE, 'shared/metadata', 'shared/events', 'shared/replication/core'], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)

  // the source agent: talks to the service only through contracts and storage
  'shared/agent': { mayImport: [...KERNEL, ...CONTRACTS, ...FORMATS], forbiddenPackages: NO_FUNCTIONS_TYPES },

  // recovery composes replication, fabric and automation
  // (today one flat folder; issue 11 splits it: plan is pure, activities and service do I/O,
  // the composition roots (*FromEnv) stay at the top of shared/recovery and may wire them all)
  'shared/recovery': { mayImport: [...RECOVERY_MAY_IMPORT, 'shared/recovery'], forbiddenPackages: NO_FUNCTIONS_TYPES },
  'shared/recovery/plan': { mayImport: RECOVERY_MAY_IMPORT, valueImportsOnlyFrom: PURE, forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)
  'shared/recovery/jobs': { mayImport: [...RECOVERY_MAY_IMPORT, 'shared/recovery/plan'], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)
  'shared/recovery/activities': { mayImport: [...RECOVERY_MAY_IMPORT, 'shared/recovery/plan', 'shared/recovery/jobs'], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)
  'shared/recovery/service': { mayImport: [...RECOVERY_MAY_IMPORT, 'shared/recovery/plan', 'shared/recovery/jobs'], forbiddenPackages: NO_FUNCTIONS_TYPES }, // (issue 11)

  // source sites: registration keys, site credentials, create-only upload URLs for a site's own logs
  // (reads the replica's merge state and the failover requests it answers for, signs blob URLs)
  'shared/sites': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/metadata', 'shared/replication', 'shared/recovery'], forbiddenPackages: NO_FUNCTIONS_TYPES },

  // scheduled drills: schedules, the claim of each due occurrence, drill runs over recovery's jobs (docs/drills.md)
  'shared/drills': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/metadata', 'shared/events', 'shared/recovery'], forbiddenPackages: NO_FUNCTIONS_TYPES },

  // reports and evidence (issue 15): job reports built from stored jobs, job exports, audit queries, compliance
  'shared/reports': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/metadata', 'shared/protection', 'shared/recovery', 'shared/replication'], forbiddenPackages: NO_FUNCTIONS_TYPES },

  // the API: routes, resources, the error catalogue; reaches recovery through its service
  'shared/arm': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/metadata', 'shared/protection', 'shared/security', 'shared/recovery', 'shared/sites', 'shared/events', 'shared/drills', 'shared/reports'], forbiddenPackages: NO_FUNCTIONS_TYPES },

  // the operator's web console as the app serves it: page, stylesheet, built script, config
  'shared/console': { mayImport: [...KERNEL], forbiddenPackages: NO_FUNCTIONS_TYPES },
  // the console's browser code (tsconfig.console.json): talks to the API over HTTP only
  console: { mayImport: [] },

  // registrations
  functions: { mayImport: [...KERNEL, ...CONTRACTS, 'shared/arm', 'shared/recovery', 'shared/replication', 'shared/automation', 'shared/health', 'shared/fabric', 'shared/metadata', 'shared/security'] },
  // the Durable client adapted to shared/recovery's OrchestrationControl (HTTP functions, drill activities and timer)
  'functions/durable': { mayImport: [...KERNEL, 'shared/recovery'] },
  'functions/http': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/arm', 'shared/console', 'shared/recovery', 'shared/automation', 'shared/health', 'shared/security', 'functions/durable'] },
  'functions/triggers': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/replication', 'shared/events', 'shared/drills', 'functions/durable'] },
  'functions/activities': { mayImport: [...KERNEL, ...CONTRACTS, 'shared/recovery', 'shared/drills', 'functions/durable'] },
  'functions/orchestrators': {
    mayImport: [...KERNEL, ...CONTRACTS, 'shared/recovery', 'shared/automation', 'shared/fabric', 'shared/replication', 'shared/drills'],
    valueImportsOnlyFrom: PURE,
  },

  // the local Functions host knows the Functions contract, not the domain
  devhost: { mayImport: [...KERNEL] },
  // the client: API over HTTP, the agent, disk tools; never the service's insides
  cli: { mayImport: [...KERNEL, ...CONTRACTS, 'shared/agent', 'shared/disk', 'shared/crypto', 'shared/security', 'shared/protection'] },
  // harnesses that start everything
  bench: { mayImport: ['shared', 'devhost', 'cli'] },
  demo: { mayImport: ['shared', 'devhost', 'cli'] },
  test: { mayImport: ['*'] },
  // the repository's own roots, so an import of ./dist or ./test from shared/ is reported
  dist: { mayImport: ['*'] },
  lint: { mayImport: ['*'] },
};

/**
 * Violations of the table that exist today. Each is removed by issue 11's refactor; the rule's
 * test fails when an entry no longer matches an import, so the list can only shrink.
 * `to` is a zone or a module (repository path without extension).
 */
const allow = [
];

module.exports = { zones, allow, PURE };
