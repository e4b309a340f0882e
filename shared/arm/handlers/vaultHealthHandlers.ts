import type { HealthError, MetadataStore, ProtectedItemProperties, ResourceDocument, ResourceKind } from '../../metadata';
import type { ReplicationHealth } from '../../protection';
import type { ArmContext } from '../ArmContext';
import type { ArmResponse } from '../ArmRequest';
import { protectionStatusOf } from '../resources/protectionStatusOf';
import { presentScopeOf } from '../shapeResource';

const JSON_HEADERS = { 'content-type': 'application/json' };
const ITEM_TYPE = 'Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/replicationProtectedItems';

/** Every resource of one kind in the vault (pages read whole: a vault's items are bounded). */
async function allOf(store: MetadataStore, vaultKey: string, kind: ResourceKind): Promise<ResourceDocument[]> {
  const out: ResourceDocument[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await store.listResources(vaultKey, { kind, continuationToken });
    out.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return out;
}

/** ASR's `HealthErrorSummary`, one per error code, with the items it affects. */
interface Issue {
  summaryCode: string;
  category: 'Replication';
  severity: 'Error' | 'Warning';
  summaryMessage: string;
  affectedResourceType: string;
  affectedResourceCorrelationIds: string[];
}

/** Worst first: errors before warnings, then the issue that affects more items, then by code. */
function worstFirst(a: Issue, b: Issue): number {
  if (a.severity !== b.severity) return a.severity === 'Error' ? -1 : 1;
  return b.affectedResourceCorrelationIds.length - a.affectedResourceCorrelationIds.length || a.summaryCode.localeCompare(b.summaryCode);
}

function summarize(items: { armId: string; health: ReplicationHealth; errors: HealthError[] }[]): Record<string, unknown> {
  const counts: Record<ReplicationHealth, number> = { Normal: 0, Warning: 0, Critical: 0 };
  const issues = new Map<string, Issue>();
  for (const item of items) {
    counts[item.health]++;
    for (const e of item.errors) {
      const issue = issues.get(e.errorCode) ?? {
        summaryCode: e.errorCode, category: 'Replication', severity: 'Warning', summaryMessage: e.errorMessage,
        affectedResourceType: ITEM_TYPE, affectedResourceCorrelationIds: [],
      };
      if (e.errorLevel === 'Error' && issue.severity !== 'Error') { issue.severity = 'Error'; issue.summaryMessage = e.errorMessage; }
      if (!issue.affectedResourceCorrelationIds.includes(item.armId)) issue.affectedResourceCorrelationIds.push(item.armId);
      issues.set(e.errorCode, issue);
    }
  }
  return { resourceCount: items.length, issues: [...issues.values()].sort(worstFirst), categorizedResourceCounts: counts };
}

/**
 * The vault's health (ASR's `VaultHealthDetails`): protected items counted by replication health
 * as the API judges it now (RPO included), the problems they have worst first, and the counts
 * of fabrics and containers. Computed on every call, so `refresh` answers the same, fresh.
 */
async function vaultHealth(ctx: ArmContext): Promise<ArmResponse> {
  const vault = await ctx.requireVault();
  const scope = presentScopeOf(ctx);
  const items = await allOf(ctx.store, ctx.vaultKey!, 'protectedItem') as unknown as ResourceDocument<ProtectedItemProperties>[];
  const judged = await Promise.all(items.map(async (doc) => {
    const s = await protectionStatusOf(doc.properties, doc.name, scope);
    return { armId: doc.armId, health: s.replicationHealth, errors: s.healthErrors };
  }));
  const plain = async (kind: ResourceKind) => {
    const n = (await allOf(ctx.store, ctx.vaultKey!, kind)).length;
    return { resourceCount: n, issues: [], categorizedResourceCounts: { Normal: n } };
  };
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: {
      id: `${vault.armId}/replicationVaultHealth/default`,
      name: 'default',
      type: 'Microsoft.RecoveryServices/vaults/replicationVaultHealth',
      location: vault.location,
      properties: {
        vaultErrors: [],
        protectedItemsHealth: summarize(judged),
        fabricsHealth: await plain('fabric'),
        containersHealth: await plain('protectionContainer'),
      },
    },
  };
}

/** `GET …/replicationVaultHealth`. */
export const getVaultHealthHandler = vaultHealth;
/** `POST …/replicationVaultHealth/default/refresh`: the same summary, computed now (200, no polling needed). */
export const refreshVaultHealthHandler = vaultHealth;
