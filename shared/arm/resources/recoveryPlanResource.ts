import { z } from 'zod';
import { ServiceError } from '../../errors';
import { resourceDocumentId, vaultRelativeSegments, type HealthError, type ProtectedItemProperties, type ResourceDocument } from '../../metadata';
import { PROTECTION_STATUS_FIELDS, worseOf, type ReplicationHealth } from '../../protection';
import { runbookIdSchema } from '../../naming';
import { PLAN_LIMITS } from '../../recovery/plan/planLimits';
import type { BuildContext, PresentContext, ResourceDefinition } from '../ResourceDefinition';
import { resolveReference } from '../resolveReference';
import { nameOf } from '../resourceIds';
import { protectionStatusOf } from './protectionStatusOf';

const failoverType = z.enum([
  'ReverseReplicate', 'Commit', 'PlannedFailover', 'UnplannedFailover', 'DisableProtection', 'TestFailover',
  'TestFailoverCleanup', 'Failback', 'FinalizeFailback', 'CancelFailover', 'ChangePit', 'RepairReplication',
  'SwitchProtection', 'CompleteMigration',
]);
const fabricLocation = z.enum(['Primary', 'Recovery']);

/** `RecoveryPlanAction` with its three kinds of custom details. */
const action = z.object({
  actionName: z.string().min(1),
  failoverTypes: z.array(failoverType).min(1),
  failoverDirections: z.array(z.enum(['PrimaryToRecovery', 'RecoveryToPrimary'])).min(1),
  customDetails: z.discriminatedUnion('instanceType', [
    z.object({ instanceType: z.literal('AutomationRunbookActionDetails'), runbookId: runbookIdSchema, timeout: z.string().optional(), fabricLocation }),
    z.object({ instanceType: z.literal('ManualActionDetails'), description: z.string().optional() }),
    z.object({ instanceType: z.literal('ScriptActionDetails'), path: z.string().min(1), timeout: z.string().optional(), fabricLocation }),
  ]),
});

const actions = z.array(action).max(PLAN_LIMITS.actionsPerGroup, `a group has at most ${PLAN_LIMITS.actionsPerGroup} start and ${PLAN_LIMITS.actionsPerGroup} end actions (limit actionsPerGroup)`);

const group = z.object({
  groupType: z.enum(['Shutdown', 'Failover', 'Boot']),
  replicationProtectedItems: z.array(z.object({ id: z.string().min(1), virtualMachineId: z.string().optional() }))
    .max(PLAN_LIMITS.machinesPerGroup, `a group holds at most ${PLAN_LIMITS.machinesPerGroup} machines, which recover in parallel (limit machinesPerGroup); split it into more Boot groups`)
    .optional(),
  startGroupActions: actions.optional(),
  endGroupActions: actions.optional(),
});

/** The plan's groups: at least one, at most the limits on Boot groups and machines (docs/recovery-plans.md). */
const groups = z.array(group)
  .min(1, 'a plan needs at least one group')
  .max(PLAN_LIMITS.bootGroupsPerPlan + 2, `a plan has at most ${PLAN_LIMITS.bootGroupsPerPlan} Boot groups besides its Shutdown and Failover groups (limit bootGroupsPerPlan)`)
  .superRefine((gs, ctx) => {
    const boot = gs.filter((g) => g.groupType === 'Boot').length;
    if (boot > PLAN_LIMITS.bootGroupsPerPlan) {
      ctx.addIssue({ code: 'custom', message: `the plan has ${boot} Boot groups; at most ${PLAN_LIMITS.bootGroupsPerPlan} are allowed (limit bootGroupsPerPlan)` });
    }
    const machines = gs.reduce((n, g) => n + (g.replicationProtectedItems?.length ?? 0), 0);
    if (machines > PLAN_LIMITS.machinesPerPlan) {
      ctx.addIssue({ code: 'custom', message: `the plan holds ${machines} machines; at most ${PLAN_LIMITS.machinesPerPlan} are allowed (limit machinesPerPlan)` });
    }
  });

const createInput = z.object({
  properties: z.object({
    primaryFabricId: z.string().min(1),
    recoveryFabricId: z.string().min(1),
    failoverDeploymentModel: z.enum(['NotApplicable', 'Classic', 'ResourceManager']).optional(),
    groups,
  }),
});

const updateInput = z.object({ properties: z.object({ groups }) });

/** Up to this many items a plan's GET reads one by one; a bigger plan lists the vault's items in pages instead. */
const POINT_READS_UP_TO = 32;
/** A page holds the largest plan's items (about 300 bytes each with only the roll-up's fields): one round trip for a vault of that plan alone. */
const LIST_PAGE = PLAN_LIMITS.machinesPerPlan;

/**
 * The plan's protected items, in plan order, for the health roll-up. A 2,000-machine plan read
 * item by item took 2,000 round trips per GET (issue 17: p99 near 3 s); a paged listing of the
 * vault's items takes a few, and answers only the fields the roll-up reads (PROTECTION_STATUS_FIELDS).
 */
async function planItemsOf(ids: string[], ctx: Omit<PresentContext, 'name'>): Promise<ResourceDocument<ProtectedItemProperties>[]> {
  const docIds = ids.map((id) => vaultRelativeSegments(id)).filter((s): s is NonNullable<typeof s> => !!s).map(resourceDocumentId);
  if (docIds.length <= POINT_READS_UP_TO) {
    const read = await Promise.all(docIds.map((d) => ctx.store.getResource<ProtectedItemProperties>(ctx.vaultKey, d)));
    return read.filter((item): item is ResourceDocument<ProtectedItemProperties> => !!item && item.kind === 'protectedItem');
  }
  const wanted = new Set(docIds);
  const byId = new Map<string, ResourceDocument<ProtectedItemProperties>>();
  let token: string | undefined;
  // Pages stop once every item of the plan was seen: the rest of the vault is not the plan's.
  do {
    // Only what the roll-up reads (a 2,000-item plan's items whole were most of a GET's time under load).
    const page = await ctx.store.listResources(ctx.vaultKey, { kind: 'protectedItem', maxItemCount: LIST_PAGE, continuationToken: token, fields: PROTECTION_STATUS_FIELDS });
    for (const item of page.items) if (wanted.has(item.id)) byId.set(item.id, item as unknown as ResourceDocument<ProtectedItemProperties>);
    token = page.continuationToken;
  } while (token && byId.size < wanted.size);
  return docIds.map((d) => byId.get(d)).filter((item): item is ResourceDocument<ProtectedItemProperties> => !!item);
}

type GroupInput = z.infer<typeof group>;
type ActionInput = z.infer<typeof action>;

export interface RecoveryPlanGroup {
  groupType: 'Shutdown' | 'Failover' | 'Boot';
  replicationProtectedItems: { id: string; virtualMachineId?: string }[];
  startGroupActions: ActionInput[];
  endGroupActions: ActionInput[];
}

function invalid(field: string, message: string): ServiceError {
  return new ServiceError('InvalidRequestBody', `${field}: ${message}`, { details: { target: field } });
}

/**
 * Puts groups in ASR's order (one Shutdown, one Failover, then the Boot groups in the order
 * given, adding an empty Shutdown or Failover group when missing), checks that items sit only in
 * Boot groups and only once, and resolves each item to its stored id.
 */
async function normalizeGroups(groups: GroupInput[], ctx: BuildContext): Promise<{ groups: RecoveryPlanGroup[]; refs: string[] }> {
  const empty = (groupType: RecoveryPlanGroup['groupType']): RecoveryPlanGroup =>
    ({ groupType, replicationProtectedItems: [], startGroupActions: [], endGroupActions: [] });
  let shutdown: RecoveryPlanGroup | undefined;
  let failover: RecoveryPlanGroup | undefined;
  const boot: RecoveryPlanGroup[] = [];
  const refs: string[] = [];
  const seen = new Map<string, number>();
  for (const [i, g] of groups.entries()) {
    const field = `properties.groups.${i}`;
    const items = g.replicationProtectedItems ?? [];
    if (g.groupType !== 'Boot' && items.length > 0) {
      throw invalid(`${field}.replicationProtectedItems`, `a ${g.groupType} group holds actions only; put VMs in Boot groups`);
    }
    const resolved: RecoveryPlanGroup['replicationProtectedItems'] = [];
    for (const [j, item] of items.entries()) {
      const doc = await resolveReference<ProtectedItemProperties>(ctx, item.id, 'protectedItem', `${field}.replicationProtectedItems.${j}.id`);
      const key = doc.armId.toLowerCase();
      if (seen.has(key)) throw invalid(`${field}.replicationProtectedItems.${j}.id`, `'${doc.name}' is already in group ${seen.get(key)}`);
      seen.set(key, i);
      refs.push(key);
      resolved.push({ id: doc.armId, virtualMachineId: item.virtualMachineId ?? doc.properties.providerSpecificDetails.vmId });
    }
    const normalized: RecoveryPlanGroup = {
      groupType: g.groupType,
      replicationProtectedItems: resolved,
      startGroupActions: g.startGroupActions ?? [],
      endGroupActions: g.endGroupActions ?? [],
    };
    if (g.groupType === 'Shutdown') {
      if (shutdown) throw invalid(`${field}.groupType`, 'a plan has one Shutdown group');
      shutdown = normalized;
    } else if (g.groupType === 'Failover') {
      if (failover) throw invalid(`${field}.groupType`, 'a plan has one Failover group');
      failover = normalized;
    } else {
      boot.push(normalized);
    }
  }
  if (boot.length === 0) throw invalid('properties.groups', 'a plan needs at least one Boot group');
  return { groups: [shutdown ?? empty('Shutdown'), failover ?? empty('Failover'), ...boot], refs };
}

/** A recovery plan (`replicationRecoveryPlans`): ordered groups of VMs with actions between them. */
export const recoveryPlanResource: ResourceDefinition = {
  kind: 'recoveryPlan',
  collections: ['replicationRecoveryPlans'],
  storedAncestors: [],
  type: 'Microsoft.RecoveryServices/vaults/replicationRecoveryPlans',
  putReplaces: true,
  asyncPut: false,
  asyncDelete: true,
  createSchema: createInput,
  updateSchema: updateInput,
  async build(input, ctx) {
    const { properties: p } = input as z.infer<typeof createInput>;
    const primary = await resolveReference(ctx, p.primaryFabricId, 'fabric', 'properties.primaryFabricId');
    const { groups, refs } = await normalizeGroups(p.groups, ctx);
    return {
      properties: {
        friendlyName: ctx.name,
        primaryFabricId: primary.armId,
        primaryFabricFriendlyName: primary.name,
        recoveryFabricId: p.recoveryFabricId,
        recoveryFabricFriendlyName: nameOf(p.recoveryFabricId),
        failoverDeploymentModel: p.failoverDeploymentModel ?? 'ResourceManager',
        replicationProviders: ['HyperVReplicaAzure'],
        allowedOperations: ['PlannedFailover', 'UnplannedFailover', 'TestFailover'],
        currentScenarioStatus: 'None',
        groups,
      },
      refs: [primary.armId.toLowerCase(), ...refs],
    };
  },
  async update(input, existing, ctx) {
    const { properties: p } = input as z.infer<typeof updateInput>;
    const { groups, refs } = await normalizeGroups(p.groups, ctx);
    const primary = String(existing.properties.primaryFabricId).toLowerCase();
    return { properties: { ...existing.properties, groups }, refs: [primary, ...refs] };
  },
  /**
   * Adds the roll-up of its items' replication (ours; ASR's plan has no health): the worst
   * `replicationHealth` of the items, and every item's health errors, each naming its item.
   */
  async present(p, ctx) {
    const groups = (p.groups ?? []) as RecoveryPlanGroup[];
    const ids = [...new Set(groups.flatMap((g) => g.replicationProtectedItems.map((i) => i.id)))];
    let replicationHealth: ReplicationHealth = 'Normal';
    const healthErrors: (HealthError & { protectedItemName: string; protectedItemId: string })[] = [];
    const items = await planItemsOf(ids, ctx);
    for (const item of items) {
      const status = await protectionStatusOf(item.properties, item.name, ctx);
      replicationHealth = worseOf(replicationHealth, status.replicationHealth);
      healthErrors.push(...status.healthErrors.map((e) => ({ ...e, protectedItemName: item.name, protectedItemId: item.armId })));
    }
    return { ...p, replicationHealth, healthErrors };
  },
};
