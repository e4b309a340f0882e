import { z } from 'zod';
import type { ResourceDefinition } from '../ResourceDefinition';

const fabricInput = z.object({
  properties: z.object({
    customDetails: z.object({ instanceType: z.string().min(1) }).loose().optional(),
  }).optional(),
  location: z.string().optional(),
});

/** A site (`replicationFabrics`): the Hyper-V site that protected VMs run in. */
export const fabricResource: ResourceDefinition = {
  kind: 'fabric',
  collections: ['replicationFabrics'],
  storedAncestors: [],
  type: 'Microsoft.RecoveryServices/vaults/replicationFabrics',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: true,
  postRemove: true,
  createSchema: fabricInput,
  async build(input, ctx) {
    const body = input as z.infer<typeof fabricInput>;
    return {
      properties: {
        friendlyName: ctx.name,
        customDetails: { instanceType: body.properties?.customDetails?.instanceType ?? 'HyperVSite' },
        health: 'Normal',
        healthErrorDetails: [],
        bcdrState: 'Valid',
        internalIdentifier: ctx.name.toLowerCase(),
      },
      refs: [],
    };
  },
};
