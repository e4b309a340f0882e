/**
 * What one replication event adds to a merge, measured directly: mergeDisk of one 4 MiB log
 * (Azurite in memory, the item's state written by the real MetadataHealthReporter to Cosmos DB)
 * whose state write raises no event, against the same merge whose write raises one (it clears a
 * ReplicationLag warning, so the item's health changes: the event goes into the outbox with the
 * write and is published after it). The two alternate on one disk, so both see the same blobs and
 * documents. Recovery points are recorded in memory on both sides: a merge that also wrote its
 * point to Cosmos DB would be slower and the event's share smaller.
 */
import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { buildHrl } from '../../shared/hrl';
import { vaultSegmentOf } from '../../shared/contracts/vaultSegment';
import type { MetadataStore, ProtectedItemProperties, ResourceDocument } from '../../shared/metadata';
import {
  DiskRef, mergeDisk, metadataReplicaLocator, MetadataHealthReporter, pendingLogBlob, REPLICA_CONTAINERS, type ReplicationDeps, type ReplicationHealthReporter,
} from '../../shared/replication';
import { startBenchAzurite } from '../merge/benchAzurite';
import { memoryReplicationDeps } from '../merge/benchStandIns';
import { median, timed } from '../benchTiming';

const MIB = 1024 * 1024;
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
const LOG_BYTES = 4 * MIB;

export interface MergeEventCost {
  rounds: number;
  /** Median ms of a merge of one 4 MiB log whose state write raises no event. */
  mergeMsWithoutEvent: number;
  /** Median ms of the same merge whose state write raises one event (outbox + publish). */
  mergeMsWithEvent: number;
  /** Median over rounds of (with − without), the two merges of a round back to back. */
  addedMsPerEvent: number;
  /** Median over rounds of (with − without) ÷ without. */
  addedShare: number;
  /** The 25th and 75th percentile of the per-round (with − without), ms: how far the merge alone spreads. */
  addedMsQuartiles: [number, number];
  /** The merge's state write alone (health.recordMerged), median ms without and with the event. */
  stateWriteMsWithoutEvent: number;
  stateWriteMsWithEvent: number;
  /** Median over rounds of the state write's (with − without) ÷ the merge without: the same cost, less the merge's noise. */
  stateWriteAddedShare: number;
}

export async function measureMergeEventCost(store: MetadataStore, vaultKey: string, vaultArmId: string, rounds: number): Promise<MergeEventCost> {
  const azurite = await startBenchAzurite();
  try {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    for (const c of Object.values(REPLICA_CONTAINERS)) await blobs.getContainerClient(c).createIfNotExists();
    const now = new Date().toISOString();
    const itemDoc: ResourceDocument<ProtectedItemProperties> = {
      id: 'replicationfabrics|f|replicationprotectioncontainers|c|replicationprotecteditems|merged', vaultKey, kind: 'protectedItem', name: 'merged',
      armId: `${vaultArmId}/replicationFabrics/f/replicationProtectionContainers/c/replicationProtectedItems/merged`, refs: [],
      properties: { friendlyName: 'merged', policyId: 'p', protectionState: 'Protected', replicationHealth: 'Normal', activeLocation: 'Primary', allowedOperations: [], healthErrors: [],
        providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: [{ diskId: 'disk0' }] } },
      createdAt: now, updatedAt: now,
    };
    await store.createResource(itemDoc);
    const health = new MetadataHealthReporter(store, metadataReplicaLocator(store));
    // The merge's state write timed on its own too: the event's whole cost is inside it.
    let stateWriteMs = 0;
    const timedHealth: ReplicationHealthReporter = {
      raise: (d, i) => health.raise(d, i),
      clear: (d, c) => health.clear(d, c),
      recordResyncStarted: (d, e) => health.recordResyncStarted(d, e),
      recordMerged: async (d, p, c) => { stateWriteMs = 1000 * await timed(() => health.recordMerged(d, p, c)); },
    };
    const deps: ReplicationDeps = { ...memoryReplicationDeps(blobs, { crashPointIntervalMs: Number.MAX_SAFE_INTEGER }), health: timedHealth };
    const disk: DiskRef = { vault: vaultSegmentOf(vaultKey), item: 'merged', disk: 'disk0' };
    const payload = randomBytes(LOG_BYTES);
    let sequence = 0n;
    const eventsRaised = async () => (await store.getResource(vaultKey, itemDoc.id))?.eventSequence ?? 0;

    /** One timed merge of the next 4 MiB log; `expectEvents` is checked, not assumed. */
    const mergeOne = async (expectEvents: number): Promise<{ merge: number; write: number }> => {
      sequence++;
      const log = buildHrl({
        vaultId: disk.vault, protectedItemId: disk.item, diskId: disk.disk, sequence, epoch: 1n, virtualSize: LOG_BYTES,
        cutTimeMs: Date.now(), consistency: 'crash', finalPlannedFailover: false, diskDigest: Buffer.alloc(32),
      }, [{ offset: 0, payload }]);
      await blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob(disk, sequence)).uploadData(log);
      const before = await eventsRaised();
      let applied = 0;
      const s = await timed(async () => { applied = (await mergeDisk(deps, disk)).applied.length; });
      const raised = (await eventsRaised()) - before;
      if (applied !== 1 || raised !== expectEvents) throw new Error(`merge of log ${sequence}: applied ${applied} log(s), raised ${raised} event(s), expected 1 and ${expectEvents}`);
      return { merge: s * 1000, write: stateWriteMs };
    };
    const lagging = () => health.raise(disk, { severity: 'Warning', code: 'ReplicationLag', message: 'bench: behind', recommendedAction: 'none' });

    // Warm-up: the first merge creates the replica and cuts the one recovery point; then one of each.
    await mergeOne(0);
    await lagging();
    await mergeOne(1);
    await mergeOne(0);
    const without: number[] = [];
    const withEvent: number[] = [];
    const added: number[] = [];
    const shares: number[] = [];
    const writesWithout: number[] = [];
    const writesWith: number[] = [];
    const writeShares: number[] = [];
    const withOne = async () => { await lagging(); return mergeOne(1); }; // the raise is untimed: its own event is published before the merge
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first: a warmer or colder second merge favours neither side.
      let a: { merge: number; write: number };
      let b: { merge: number; write: number };
      if (r % 2 === 0) {
        a = await mergeOne(0);
        b = await withOne();
      } else {
        b = await withOne();
        a = await mergeOne(0);
      }
      without.push(a.merge);
      withEvent.push(b.merge);
      added.push(b.merge - a.merge);
      shares.push((b.merge - a.merge) / a.merge);
      writesWithout.push(a.write);
      writesWith.push(b.write);
      writeShares.push((b.write - a.write) / a.merge);
    }
    return { rounds, mergeMsWithoutEvent: +median(without).toFixed(1), mergeMsWithEvent: +median(withEvent).toFixed(1),
      addedMsPerEvent: +median(added).toFixed(1), addedShare: +median(shares).toFixed(3), addedMsQuartiles: [+quantile(added, 0.25).toFixed(1), +quantile(added, 0.75).toFixed(1)],
      stateWriteMsWithoutEvent: +median(writesWithout).toFixed(1), stateWriteMsWithEvent: +median(writesWith).toFixed(1), stateWriteAddedShare: +median(writeShares).toFixed(3),
    };
  } finally {
    await azurite.stop();
  }
}
