import { FAILBACK_CONTAINER, FailbackTransfers } from '../../contracts/FailbackTransfers';
import type { ReplicationDeps } from '../core/ReplicationDeps';

/** The item failback blobs in the service's storage account. */
export function failbackTransfers(deps: ReplicationDeps): FailbackTransfers {
  return new FailbackTransfers(deps.blobs.getContainerClient(FAILBACK_CONTAINER));
}
