import { z } from 'zod';
import type { ResourceDefinition } from '../ResourceDefinition';

const containerInput = z.object({
  properties: z.object({
    providerSpecificInput: z.array(z.object({ instanceType: z.string().min(1) }).loose()).optional(),
  }).optional(),
});

/** A protection container (`replicationProtectionContainers`): a Hyper-V host or cluster in a fabric. */
export const protectionContainerResource: ResourceDefinition = {
  kind: 'protectionContainer',
  collections: ['replicationFabrics', 'replicationProtectionContainers'],
  storedAncestors: [0],
  type: 'Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers',
  vaultListSegment: 'replicationProtectionContainers',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: true,
  postRemove: true,
  createSchema: containerInput,
  async build(_input, ctx) {
    return {
      properties: {
        friendlyName: ctx.name,
        fabricFriendlyName: ctx.names[0],
        fabricType: 'HyperVSite',
        pairingStatus: 'Paired',
        role: 'Primary',
        fabricSpecificDetails: { instanceType: 'HyperVSite' },
      },
      refs: [],
    };
  },
};
