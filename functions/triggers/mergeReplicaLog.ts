import { app, InvocationContext } from '@azure/functions';
import { deliveredLogOf, mergeDisk, parseDiskRef, ReplicationError, replicationDepsFromEnv } from '../../shared/replication';

/**
 * A replica log landed in `hrl/{vault}/{item}/{disk}/{name}`: merge that disk. The trigger only
 * says which disk changed; the engine lists and reads the disk's logs itself, in order, so a
 * trigger for a log ahead of a gap, a duplicate or a late trigger is harmless. A merge that
 * finds another holding the lease returns at once (that one, or the sweep, finishes the work);
 * an I/O failure throws so the host retries the trigger. The log's bytes the trigger delivered
 * are handed to the merge, which uses them if the listed log is still that version (one download, not two).
 */
app.storageBlob('mergeReplicaLog', {
  path: 'hrl/{vault}/{item}/{disk}/{name}',
  // Event Grid (BlobCreated, wired in infra/main.bicep): a polling trigger's latency grows with the
  // container; an event's does not. funclocal serves it from its own change detection.
  source: 'EventGrid',
  connection: 'AzureWebJobsStorage',
  handler: async (blob: unknown, context: InvocationContext): Promise<void> => {
    const m = context.triggerMetadata ?? {};
    let disk;
    try {
      // The worker parses placeholders that look like JSON (an item named 42 arrives as a number).
      disk = parseDiskRef({ vault: String(m.vault), item: String(m.item), disk: String(m.disk) });
    } catch {
      context.warn(`ignoring ${String(m.blobTrigger)}: not a replica log path hrl/{vault}/{item}/{disk}/{seq}.hrl`);
      return;
    }
    const deps = await replicationDepsFromEnv();
    let r;
    try {
      r = await mergeDisk({ ...deps, log: (msg, details) => context.log(msg, details ?? '') }, disk, { delivered: deliveredLogOf(blob, m) });
    } catch (err) {
      // Logs of a disk nobody protects: retrying the trigger cannot help; the sweep reports them.
      if (err instanceof ReplicationError && err.code === 'ReplicaNotFound') {
        context.warn(err.message);
        return;
      }
      throw err;
    }
    context.log(`merge of ${disk.vault}/${disk.item}/${disk.disk}: ${r.outcome}, applied [${r.applied.join(',')}], at ${r.lastAppliedSequence ?? '-'}` +
      (r.waitingFor !== undefined ? `, waiting for ${r.waitingFor}` : '') +
      (r.quarantined ? `, quarantined ${r.quarantined.sequence} (${r.quarantined.code})` : ''));
  },
});
