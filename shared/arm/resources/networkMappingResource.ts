import { z } from 'zod';
import { virtualNetworkRefSchema } from '../../naming';
import type { ResourceDefinition } from '../ResourceDefinition';
import { nameOf } from '../resourceIds';

const mappingProperties = z.object({
  recoveryFabricName: z.string().min(1).optional(),
  recoveryNetworkId: virtualNetworkRefSchema,
  fabricSpecificDetails: z.object({ instanceType: z.string().min(1) }).loose().optional(),
});

const createInput = z.object({ properties: mappingProperties });
const updateInput = z.object({ properties: mappingProperties.partial() });

type MappingInput = z.infer<typeof mappingProperties>;

function shape(input: Partial<MappingInput>, names: string[], fabricArmId: string, base: Record<string, unknown> = {}) {
  const recoveryNetworkId = input.recoveryNetworkId ?? (base.recoveryNetworkId as string);
  return {
    state: 'Paired',
    primaryNetworkId: `${fabricArmId}/replicationNetworks/${names[1]}`,
    primaryNetworkFriendlyName: names[1],
    primaryFabricFriendlyName: names[0],
    recoveryNetworkId,
    recoveryNetworkFriendlyName: nameOf(recoveryNetworkId),
    recoveryFabricFriendlyName: input.recoveryFabricName ?? base.recoveryFabricFriendlyName ?? 'Microsoft Azure',
    fabricSpecificSettings: { instanceType: input.fabricSpecificDetails?.instanceType ?? 'VmmToAzure' },
  };
}

/** A network mapping: which Azure network a source network's VMs join after failover. */
export const networkMappingResource: ResourceDefinition = {
  kind: 'networkMapping',
  collections: ['replicationFabrics', 'replicationNetworks', 'replicationNetworkMappings'],
  storedAncestors: [0],
  type: 'Microsoft.RecoveryServices/vaults/replicationFabrics/replicationNetworks/replicationNetworkMappings',
  vaultListSegment: 'replicationNetworkMappings',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: true,
  createSchema: createInput,
  updateSchema: updateInput,
  async build(input, ctx) {
    return { properties: shape((input as z.infer<typeof createInput>).properties, ctx.names, ctx.ancestorIds[0]), refs: [] };
  },
  async update(input, existing, ctx) {
    return { properties: shape((input as z.infer<typeof updateInput>).properties, ctx.names, ctx.ancestorIds[0], existing.properties), refs: existing.refs };
  },
};
