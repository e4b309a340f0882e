import { DiskRef } from '../../contracts/DiskRef';
import { DiskRecoveryPoint } from './DiskRecoveryPoint';

/**
 * Where recovery points are recorded (Cosmos DB in the product: {@link CosmosRecoveryPointRecorder}).
 * The snapshot is taken first and recorded second; a point whose record is missing is an orphan
 * snapshot that pruning removes.
 */
export interface RecoveryPointRecorder {
  /** Creates or replaces the point with the same id. */
  record(point: DiskRecoveryPoint): Promise<void>;
  /** The disk's points, oldest first (by cut time). */
  list(disk: DiskRef): Promise<DiskRecoveryPoint[]>;
  /** Removes the record (the snapshot is deleted by the caller); absent is not an error. */
  remove(point: DiskRecoveryPoint): Promise<void>;
}
