import type { ArmRoute } from './ArmRoute';
import { VAULT_PREFIX } from './ArmRoute';
import type { ResourceDefinition } from './ResourceDefinition';
import {
  deleteResourceHandler, getResourceHandler, listResourcesHandler, patchResourceHandler, putResourceHandler,
} from './handlers/resourceHandlers';
import { deleteVaultHandler, getVaultHandler, listVaultsHandler, patchVaultHandler, putVaultHandler } from './handlers/vaultHandlers';
import { getRecoveryPointHandler, listRecoveryPointsHandler } from './handlers/recoveryPointHandlers';
import { operationResultHandler } from './handlers/operationResultHandler';
import { getEventHandler, listEventsHandler } from './handlers/eventHandlers';
import { getVaultHealthHandler, refreshVaultHealthHandler } from './handlers/vaultHealthHandlers';
import { RESOURCE_DEFINITIONS, protectedItemResource } from './resources';
import { alertRuleRoutes } from './alerts/alertRuleRoutes';

/** Captures after subscription, resource group and vault: the resource names. */
const names = (captures: string[]): string[] => captures.slice(3);

function instancePattern(def: ResourceDefinition<any>): string[] {
  return [...VAULT_PREFIX, ...def.collections.flatMap((c, i) => [c, `{name${i}}`])];
}

function routesOf(def: ResourceDefinition<any>): ArmRoute[] {
  const instance = instancePattern(def);
  const collection = instance.slice(0, -1);
  const noun = def.collections[def.collections.length - 1];
  const routes: ArmRoute[] = [
    { method: 'GET', pattern: instance, role: 'Reader', action: `read ${noun}`, handler: (ctx) => getResourceHandler(def, ctx, names(ctx.captures)) },
    { method: 'PUT', pattern: instance, role: 'Contributor', action: `create ${noun}`, handler: (ctx) => putResourceHandler(def, ctx, names(ctx.captures)) },
    { method: 'DELETE', pattern: instance, role: 'Contributor', action: `delete ${noun}`, handler: (ctx) => deleteResourceHandler(def, ctx, names(ctx.captures)) },
    { method: 'GET', pattern: collection, role: 'Reader', action: `list ${noun}`, handler: (ctx) => listResourcesHandler(def, ctx, names(ctx.captures)) },
  ];
  if (def.updateSchema) {
    routes.push({ method: 'PATCH', pattern: instance, role: 'Contributor', action: `update ${noun}`, handler: (ctx) => patchResourceHandler(def, ctx, names(ctx.captures)) });
  }
  if (def.postRemove) {
    // For an item this is "disable protection"; our remove and purge both delete the document.
    routes.push({ method: 'POST', pattern: [...instance, 'remove'], role: 'Contributor', action: `remove ${noun}`, handler: (ctx) => deleteResourceHandler(def, ctx, names(ctx.captures)) });
  }
  if (def.vaultListSegment && def.collections.length > 1) {
    routes.push({
      method: 'GET', pattern: [...VAULT_PREFIX, def.vaultListSegment], role: 'Reader', action: `list ${noun} of the vault`,
      handler: (ctx) => listResourcesHandler(def, ctx, undefined),
    });
  }
  return routes;
}

/**
 * The route table of the ARM-shaped API. Jobs and failover actions are added by the Recovery
 * issue; they slot in here with the role each needs (Operator for test failover and resume).
 */
export function armRoutes(): ArmRoute[] {
  const item = instancePattern(protectedItemResource);
  return [
    {
      method: 'GET', pattern: ['subscriptions', '{subscriptionId}', 'resourceGroups', '{resourceGroupName}', 'providers', 'Microsoft.RecoveryServices', 'vaults'],
      role: 'Reader', action: 'list vaults', handler: listVaultsHandler,
    },
    { method: 'PUT', pattern: VAULT_PREFIX, role: 'Contributor', action: 'create vault', handler: putVaultHandler },
    { method: 'GET', pattern: VAULT_PREFIX, role: 'Reader', action: 'read vault', handler: getVaultHandler },
    { method: 'PATCH', pattern: VAULT_PREFIX, role: 'Contributor', action: 'update vault', handler: patchVaultHandler },
    { method: 'DELETE', pattern: VAULT_PREFIX, role: 'Contributor', action: 'delete vault', handler: deleteVaultHandler },
    ...RESOURCE_DEFINITIONS.flatMap(routesOf),
    ...alertRuleRoutes(),
    {
      method: 'GET', pattern: [...item, 'recoveryPoints'], role: 'Reader', action: 'list recoveryPoints',
      handler: (ctx) => listRecoveryPointsHandler(ctx, names(ctx.captures)),
    },
    {
      method: 'GET', pattern: [...item, 'recoveryPoints', '{point}'], role: 'Reader', action: 'read recoveryPoints',
      handler: (ctx) => getRecoveryPointHandler(ctx, names(ctx.captures).slice(0, 3), ctx.captures[6]),
    },
    {
      method: 'GET', pattern: [...VAULT_PREFIX, 'replicationOperationResults', '{operationId}'], role: 'Reader', action: 'read operation result',
      handler: (ctx) => operationResultHandler(ctx, ctx.captures[3]),
    },
    { method: 'GET', pattern: [...VAULT_PREFIX, 'replicationEvents'], role: 'Reader', action: 'list replicationEvents', handler: listEventsHandler },
    {
      method: 'GET', pattern: [...VAULT_PREFIX, 'replicationEvents', '{event}'], role: 'Reader', action: 'read replicationEvents',
      handler: (ctx) => getEventHandler(ctx, ctx.captures[3]),
    },
    { method: 'GET', pattern: [...VAULT_PREFIX, 'replicationVaultHealth'], role: 'Reader', action: 'read replicationVaultHealth', handler: getVaultHealthHandler },
    {
      method: 'POST', pattern: [...VAULT_PREFIX, 'replicationVaultHealth', 'default', 'refresh'], role: 'Operator', action: 'refresh replicationVaultHealth',
      handler: refreshVaultHealthHandler,
    },
  ];
}
