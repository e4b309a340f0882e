import type { Command } from 'commander';
import type { ArmResource } from '../api/AsrApiClient';
import { emit, table } from '../api/output';
import { createOnly } from '../api/createOnly';
import { invalidArgument, runCommand } from '../api/runCommand';

const collect = (value: string, previous: string[]) => [...previous, value];

function tagsOf(pairs: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalidArgument(`--tag ${pair}: use key=value`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

const line = (v: ArmResource) => `${v.name}  ${v.location ?? ''}  ${v.id}`;

/** ASR's `ResourceHealthSummary` as the vault health answer carries it. */
interface HealthSummary {
  resourceCount?: number;
  categorizedResourceCounts?: Record<string, number>;
  issues?: { summaryCode?: string; severity?: string; summaryMessage?: string; affectedResourceCorrelationIds?: string[] }[];
}

/** Counts by health, then each problem worst first with the items it affects (by name). */
function healthText(vault: string, h: { properties?: { protectedItemsHealth?: HealthSummary } }): string {
  const items = h.properties?.protectedItemsHealth ?? {};
  const c = items.categorizedResourceCounts ?? {};
  const lines = [`vault ${vault}: ${items.resourceCount ?? 0} protected item(s): ${c.Critical ?? 0} Critical, ${c.Warning ?? 0} Warning, ${c.Normal ?? 0} Normal`];
  const issues = items.issues ?? [];
  if (issues.length) {
    lines.push(table(['SEVERITY', 'PROBLEM', 'ITEMS', 'EXAMPLE'], issues.map((i) => [
      i.severity, i.summaryCode, (i.affectedResourceCorrelationIds ?? []).map((id) => id.split('/').pop()).join(','), i.summaryMessage,
    ])));
  } else {
    lines.push('no problems');
  }
  return lines.join('\n');
}

/** `asr vault create|update|show|list|health`. */
export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('Recovery Services vaults');

  vault.command('create <vault>')
    .description('create a vault (refused if it exists: change it with vault update)')
    .option('--location <region>', 'Azure region of the vault', 'local')
    .option('--tag <key=value>', 'a tag (repeat for more)', collect, [])
    .option('--json', 'print JSON')
    .action(runCommand(async (client, name: string, opts: { location: string; tag: string[]; json?: boolean }) => {
      const tags = tagsOf(opts.tag);
      const created = await createOnly(client, client.vaultPath(name), { location: opts.location, ...(opts.tag.length ? { tags } : {}) },
        `vault '${name}'`, `asr vault update ${name} --tag key=value`);
      emit(created, opts.json, (v) => `vault ${v.name} ready in ${v.location}`);
    }));

  vault.command('update <vault>')
    .description("change a vault's tags (a vault cannot move to another location)")
    .option('--tag <key=value>', 'set a tag (repeat for more)', collect, [])
    .option('--untag <key>', 'remove a tag (repeat for more)', collect, [])
    .option('--json', 'print JSON')
    .action(runCommand(async (client, name: string, opts: { tag: string[]; untag: string[]; json?: boolean }) => {
      if (opts.tag.length === 0 && opts.untag.length === 0) throw invalidArgument('vault update needs --tag key=value or --untag key');
      const current = await client.get(client.vaultPath(name)) as ArmResource & { tags?: Record<string, string>; etag?: string };
      const tags: Record<string, string> = { ...(current.tags ?? {}), ...tagsOf(opts.tag) };
      for (const key of opts.untag) delete tags[key];
      // If-Match: a tag someone else changed since the read is not silently dropped.
      const updated = await client.patch(client.vaultPath(name), { tags }, current.etag ? { 'if-match': current.etag } : {}) as ArmResource & { tags?: Record<string, string> };
      emit(updated, opts.json, (v) => `vault ${v.name} updated; tags: ${Object.entries(v.tags ?? {}).map(([k, val]) => `${k}=${val}`).join(', ') || '-'}`);
    }));

  vault.command('show <vault>')
    .description('show a vault')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, name: string, opts: { json?: boolean }) => {
      emit(await client.get(client.vaultPath(name)), opts.json, line);
    }));

  vault.command('health <vault>')
    .description('protected items by replication health and their problems, worst first (replicationVaultHealth, refreshed now)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, name: string, opts: { json?: boolean }) => {
      const health = await client.post<{ properties?: { protectedItemsHealth?: HealthSummary } }>(`${client.vaultPath(name)}/replicationVaultHealth/default/refresh`, {});
      emit(health, opts.json, (h) => healthText(name, h));
    }));

  vault.command('compliance <vault>')
    .description('per plan the last passed drill and drills passed/failed; per item the share of time within its RPO threshold (replicationComplianceSummary)')
    .option('--days <n>', 'the window in days, 1 to 30 (RPO events are kept 30 days)', '30')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, name: string, opts: { days: string; json?: boolean }) => {
      if (!/^\d+$/.test(opts.days)) throw invalidArgument(`--days '${opts.days}' is not a whole number of days`);
      const summary = await client.get(`${client.vaultPath(name)}/replicationComplianceSummary?days=${opts.days}`);
      emit(summary, opts.json, (s) => {
        const p = s.properties;
        return [
          `compliance of ${name}, ${p.windowStart} to ${p.windowEnd} (${p.windowDays} days)`,
          table(['PLAN', 'LAST PASSED DRILL', 'PASSED', 'FAILED', 'SKIPPED/MISSED'], (p.plans as { planName: string; lastPassedDrill?: { run: string; time: string }; drillsPassed: number; drillsFailed: number; drillsSkippedOrMissed: number }[])
            .map((x) => [x.planName, x.lastPassedDrill ? `${x.lastPassedDrill.time} (${x.lastPassedDrill.run})` : 'never', String(x.drillsPassed), String(x.drillsFailed), String(x.drillsSkippedOrMissed)])),
          table(['ITEM', 'WITHIN RPO THRESHOLD', 'OUT (s)', 'NOW', 'SINCE'], (p.items as { itemName: string; percentWithinThreshold: number; secondsOutOfThreshold: number; withinNow: boolean; measuredFrom: string }[])
            .map((x) => [x.itemName, `${x.percentWithinThreshold.toFixed(2)} %`, String(x.secondsOutOfThreshold), x.withinNow ? 'within' : 'OUT', x.measuredFrom])),
        ].join('\n');
      });
    }));

  vault.command('list')
    .description('list the vaults of the resource group (ASR_RESOURCE_GROUP)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, opts: { json?: boolean }) => {
      const vaults = await client.list(client.vaultPath());
      emit(vaults, opts.json, (vs) => table(['NAME', 'LOCATION'], vs.map((v) => [v.name, v.location])));
    }));
}
