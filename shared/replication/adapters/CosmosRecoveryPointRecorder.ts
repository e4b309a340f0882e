import { recoveryPointDocumentId, type MetadataStore, type RecoveryPointDocument } from '../../metadata';
import { DiskRef } from '../../contracts/DiskRef';
import { DiskRecoveryPoint } from '../core/DiskRecoveryPoint';
import { ReplicaLocator } from './ReplicaLocator';
import { RecoveryPointRecorder } from '../core/RecoveryPointRecorder';

/** The per-disk facts a recovery point document carries besides ASR's fields. */
export interface ReplicationPointDetails {
  disk: string;
  epoch: string;
  sequence: string;
  cutTimeMs: number;
  diskDigest: string;
  snapshot: string;
  sourceVirtualSize: number;
}

/** A recovery point document as the merge engine writes it. */
export type ReplicationPointDocument = RecoveryPointDocument & { replication: ReplicationPointDetails };

/** Deletes one recovery point document (the store has no single-point delete: see docs/replication.md). */
export type RecoveryPointDeleter = (vaultKey: string, documentId: string) => Promise<void>;

/**
 * Records disk recovery points in the vault's `recoveryPoints` container, one document per disk
 * and point, named `{disk}-{epoch}-{sequence}`, id per the metadata store's rule
 * (`recoveryPointDocumentId`), so the ARM API lists and reads them under the protected item.
 */
export class CosmosRecoveryPointRecorder implements RecoveryPointRecorder {
  constructor(
    private readonly store: MetadataStore,
    private readonly locate: ReplicaLocator,
    private readonly deletePoint: RecoveryPointDeleter,
  ) {}

  async record(p: DiskRecoveryPoint): Promise<void> {
    const where = await this.locate(p.disk);
    if (!where) throw new Error(`disk ${p.disk.disk} has no protected item to record recovery point ${p.id} under`);
    const armId = `${where.item.armId}/recoveryPoints/${p.id}`;
    const doc: ReplicationPointDocument = {
      id: recoveryPointDocumentId(where.item.armId, p.id),
      vaultKey: where.vaultKey,
      itemId: where.item.armId.toLowerCase(),
      name: p.id,
      armId,
      recoveryPointTime: new Date(p.cutTimeMs).toISOString(),
      recoveryPointType: p.type,
      diskSnapshots: { [p.disk.disk]: p.snapshot },
      replication: {
        disk: p.disk.disk, epoch: p.epoch.toString(), sequence: p.sequence.toString(), cutTimeMs: p.cutTimeMs,
        diskDigest: p.diskDigest, snapshot: p.snapshot, sourceVirtualSize: p.sourceVirtualSize,
      },
    };
    await this.store.putRecoveryPoint(doc);
  }

  async list(disk: DiskRef): Promise<DiskRecoveryPoint[]> {
    const where = await this.locate(disk);
    if (!where) return [];
    const out: DiskRecoveryPoint[] = [];
    let token: string | undefined;
    do {
      const page = await this.store.listRecoveryPoints(where.vaultKey, where.item.armId, { continuationToken: token });
      for (const d of page.items as Partial<ReplicationPointDocument>[]) {
        const r = d.replication;
        if (!r || r.disk !== disk.disk) continue;
        out.push({
          disk, id: d.name!, epoch: BigInt(r.epoch), sequence: BigInt(r.sequence), cutTimeMs: r.cutTimeMs,
          type: d.recoveryPointType!, diskDigest: r.diskDigest, snapshot: r.snapshot, sourceVirtualSize: r.sourceVirtualSize,
        });
      }
      token = page.continuationToken;
    } while (token);
    return out.sort((a, b) => a.cutTimeMs - b.cutTimeMs || (a.sequence < b.sequence ? -1 : 1));
  }

  async remove(p: DiskRecoveryPoint): Promise<void> {
    const where = await this.locate(p.disk);
    if (!where) return;
    await this.deletePoint(where.vaultKey, recoveryPointDocumentId(where.item.armId, p.id));
  }
}
