import { z } from 'zod';
import type { ResourceDefinition } from '../ResourceDefinition';

const createInput = z.object({
  properties: z.object({
    targetStorageClassificationId: z.string().min(1, 'must name the target storage classification'),
  }),
});

/** A storage classification mapping: which target storage a source classification uses. */
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
  async build(input) {
    return { properties: { targetStorageClassificationId: (input as z.infer<typeof createInput>).properties.targetStorageClassificationId }, refs: [] };
  },
};
