import { z } from 'zod';
import { ServiceError } from '../../errors';
import type { ResourceDefinition } from '../ResourceDefinition';

const createInput = z.object({
  properties: z.object({
    targetStorageClassificationId: z.string().min(1, 'must name the target storage classification'),
  }),
});

/** A storage classification mapping: which target storage a source classification uses. Creating one is refused (see `build`). */
export const storageMappingResource: ResourceDefinition = {
  kind: 'storageMapping',
  collections: ['replicationFabrics', 'replicationStorageClassifications', 'replicationStorageClassificationMappings'],
  storedAncestors: [0],
  type: 'Microsoft.RecoveryServices/vaults/replicationFabrics/replicationStorageClassifications/replicationStorageClassificationMappings',
  vaultListSegment: 'replicationStorageClassificationMappings',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: true,
  createSchema: createInput,
  /**
   * Refused: recovered disks always go where the target fabric puts them (docs/fabrics.md,
   * "Where recovered disks go"), so a stored mapping would promise a placement nothing applies.
   */
  async build(input) {
    const target = (input as z.infer<typeof createInput>).properties.targetStorageClassificationId;
    throw new ServiceError('StorageMappingNotSupported',
      `storage classification mappings are not supported: recovered disks are not placed by storage classification ('${target}' would never be applied). ` +
      'Locally they are page blobs in the app\'s storage account (container fabric-disks); in Azure, managed disks of the one SKU the deployment sets (ASR_AZURE_DISK_SKU) in each item\'s target resource group. ' +
      'Choose the resource group per item (targetAzureV2ResourceGroupId) instead.',
      { details: { target: 'properties.targetStorageClassificationId' } });
  },
};
