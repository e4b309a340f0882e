import { z } from 'zod';
import { QemuTrackingConfigSchema } from './qemu/QemuTrackingConfig';

/** The source file's identity and change stamps when a cut last read it (nanosecond strings). */
export const FileStampSchema = z.object({
  dev: z.string(),
  ino: z.string(),
  size: z.string(),
  mtimeNs: z.string(),
  ctimeNs: z.string(),
  /** When the stamp was taken; a stamp taken right after a write cannot vouch for the next one. */
  takenNs: z.string(),
});
export type FileStamp = z.infer<typeof FileStampSchema>;

export const AgentDiskStateSchema = z.object({
  diskId: z.string(),
  path: z.string(),
  format: z.string(),
  virtualSize: z.number().int().positive(),
  /** Sequence of the next log this disk ships. */
  nextSequence: z.number().int().positive(),
  /** Generation of the block table files (`{diskId}.g{generation}.fp|.leaves`). */
  generation: z.number().int().nonnegative(),
  /** Seeding: virtual offset up to which allocated data has been shipped; `null` once seeded. */
  seedOffset: z.number().int().nonnegative().nullable(),
  /** The source as the last committed cut read it; absent = read it all next time. */
  stamp: FileStampSchema.optional(),
  /** Logs built and committed but not yet confirmed uploaded (names in the outbox). */
  outbox: z.array(z.number().int().positive()),
  /**
   * The SHA-256 (shared/replication logChecksum) of this disk's last shipped logs, newest last,
   * at most {@link SHIPPED_LOG_MEMORY}, each with its epoch (a resync restarts sequences, so
   * only the current epoch's entries count): what the agent compares with the checksums the replica
   * records for the sequences it applied, before it says "merged".
   */
  shipped: z.array(z.object({ epoch: z.number().int().positive(), sequence: z.number().int().positive(), sha256: z.string() })).default([]),
  /**
   * The highest sequence of this epoch the agent has seen the service acknowledge as applied
   * (the replica's `lastappliedsequence`). A replica later found below it lost acknowledged
   * writes: the logs in between are gone from the outbox too, so the agent repairs (a resync).
   */
  ackedSequence: z.number().int().nonnegative().optional(),
  /**
   * How cycles find this disk's changes (`asr agent track`): absent = the full scan (fingerprints
   * of every block); qemu dirty bitmaps = only the ranges qemu saw written (docs/agent.md, "Change tracking").
   */
  tracking: QemuTrackingConfigSchema.optional(),
});
export type AgentDiskState = z.infer<typeof AgentDiskStateSchema>;

/** How many shipped logs' checksums a disk's state keeps (the replica keeps as many: APPLIED_LOG_WINDOW). */
export const SHIPPED_LOG_MEMORY = 32;

/**
 * The service this state belongs to: the API it was protected through and the vault's
 * coordinates. State used with any other is refused (assertStateBelongs).
 */
export const AgentEndpointSchema = z.object({
  apiBaseUrl: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  vault: z.string(),
});
export type AgentEndpoint = z.infer<typeof AgentEndpointSchema>;

/** Everything `asr agent` remembers about one protected item (state.json). No key material. */
export const AgentStateSchema = z.object({
  version: z.literal(1),
  vault: z.string(),
  /** The `{vault}` segment of blob paths (shared/replication vaultSegmentOf). */
  vaultSegment: z.string(),
  item: z.string(),
  itemArmId: z.string(),
  /** Absent only in state written before endpoints were recorded: such state is refused. */
  endpoint: AgentEndpointSchema.optional(),
  /** The id the API issued when protection was enabled; stamped on every log. Absent in old state (refused). */
  protectionId: z.string().optional(),
  policyName: z.string(),
  intervalSeconds: z.number().int().positive(),
  epoch: z.number().int().positive(),
  /** Hex fingerprint of the customer's key, or null for plain replication. */
  keyFingerprint: z.string().nullable(),
  /** Where the key was read from at protect time (a path, never the key). */
  keyFile: z.string().nullable(),
  lastCutTimeMs: z.number().int().nonnegative(),
  /**
   * When the service started the current epoch by a repair (its request's `requestedAt`, the
   * service's clock); quarantined logs from before it belong to an older epoch.
   */
  epochSince: z.string().optional(),
  /** Set once a failover's shutdown request was served: nothing more ships in this epoch. */
  stoppedForFailover: z.object({ jobId: z.string(), at: z.string(), finalLogShipped: z.boolean(), committed: z.boolean().optional() }).optional(),
  disks: z.array(AgentDiskStateSchema).min(1),
});
export type AgentState = z.infer<typeof AgentStateSchema>;
