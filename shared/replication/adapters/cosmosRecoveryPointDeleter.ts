import type { Database } from '@azure/cosmos';
import { METADATA_CONTAINERS } from '../../metadata';
import { RecoveryPointDeleter } from './CosmosRecoveryPointRecorder';

/**
 * Deletes one recovery point document straight from its container (404 is success). A stopgap
 * until `MetadataStore` offers `deleteRecoveryPoint`; see docs/replication.md.
 */
export function cosmosRecoveryPointDeleter(database: Database): RecoveryPointDeleter {
  const container = database.container(METADATA_CONTAINERS.recoveryPoints);
  return async (vaultKey, id) => {
    try {
      await container.item(id, vaultKey).delete();
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  };
}
