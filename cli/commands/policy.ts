import type { Command } from 'commander';
import type { ArmResource } from '../api/AsrApiClient';
import { emit, table } from '../api/output';
import { createOnly } from '../api/createOnly';
import { invalidArgument, runCommand } from '../api/runCommand';

function integerIn(value: string, flag: string, allowed: (n: number) => boolean, hint: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || !allowed(n)) throw invalidArgument(`${flag} must be ${hint}, got '${value}'`);
  return n;
}

function describePolicy(p: ArmResource): string {
  const d = p.properties.providerSpecificDetails ?? {};
  return `${p.name}: every ${d.replicationInterval} s, keep ${d.recoveryPointHistoryDurationInHours} h, ` +
    `app-consistent every ${d.applicationConsistentSnapshotFrequencyInHours || 'never'}${d.applicationConsistentSnapshotFrequencyInHours ? ' h' : ''}, encryption ${d.encryption}`;
}

interface SettingOptions { interval: string; retentionHours: string; appConsistentHours: string }

/** The policy's timing settings from the flags given (absent flags stay absent: an update keeps those values). */
function settingsOf(opts: Partial<SettingOptions>): Record<string, string | number> {
  return {
    instanceType: 'HyperVReplicaAzure',
    ...(opts.interval === undefined ? {} : { replicationInterval: integerIn(opts.interval, '--interval', (n) => [30, 300, 900].includes(n), '30, 300 or 900') }),
    ...(opts.retentionHours === undefined ? {} : { recoveryPointHistoryDuration: integerIn(opts.retentionHours, '--retention-hours', (n) => n >= 0 && n <= 24, 'an integer from 0 to 24') }),
    ...(opts.appConsistentHours === undefined ? {} : {
      applicationConsistentSnapshotFrequencyInHours: integerIn(opts.appConsistentHours, '--app-consistent-hours', (n) => n >= 0 && n <= 12, 'an integer from 0 to 12'),
    }),
  };
}

/** `asr policy create|update|show|list|delete`. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('replication policies (Hyper-V to Azure)');
  const path = (client: { vaultPath(v: string): string }, vault: string, name?: string) =>
    `${client.vaultPath(vault)}/replicationPolicies${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

  policy.command('create <vault> <policy>')
    .description('create a replication policy (refused if it exists: change it with policy update)')
    .requiredOption('--interval <seconds>', 'replication interval: 30, 300 or 900')
    .requiredOption('--retention-hours <hours>', 'hours of recovery points to keep, 0-24')
    .option('--app-consistent-hours <hours>', 'hours between app-consistent snapshots, 0-12 (0 = none)', '0')
    .option('--encryption', 'encrypt replica logs')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: SettingOptions & { encryption?: boolean; json?: boolean }) => {
      const body = { properties: { providerSpecificInput: { ...settingsOf(opts), encryption: opts.encryption ? 'Enabled' : 'Disabled' } } };
      const created = await createOnly(client, path(client, vault, name), body, `policy '${name}' in vault '${vault}'`,
        `asr policy update ${vault} ${name} --interval … --retention-hours … --app-consistent-hours …`);
      emit(created, opts.json, describePolicy);
    }));

  policy.command('update <vault> <policy>')
    .description('change the settings given; the others keep their values (items using the policy follow it)')
    .option('--interval <seconds>', 'replication interval: 30, 300 or 900')
    .option('--retention-hours <hours>', 'hours of recovery points to keep, 0-24')
    .option('--app-consistent-hours <hours>', 'hours between app-consistent snapshots, 0-12 (0 = none)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: Partial<SettingOptions> & { json?: boolean }) => {
      const settings = settingsOf(opts);
      if (Object.keys(settings).length === 1) throw invalidArgument('policy update needs at least one of --interval, --retention-hours, --app-consistent-hours');
      const body = { properties: { replicationProviderSettings: settings } };
      emit(await client.patch(path(client, vault, name), body), opts.json, describePolicy);
    }));

  policy.command('show <vault> <policy>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      emit(await client.get(path(client, vault, name)), opts.json, describePolicy);
    }));

  policy.command('list <vault>')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, opts: { json?: boolean }) => {
      const policies = await client.list(path(client, vault));
      emit(policies, opts.json, (ps) => table(['NAME', 'INTERVAL(s)', 'RETENTION(h)', 'APP-CONSISTENT(h)', 'ENCRYPTION'], ps.map((p) => {
        const d = p.properties.providerSpecificDetails ?? {};
        return [p.name, d.replicationInterval, d.recoveryPointHistoryDurationInHours, d.applicationConsistentSnapshotFrequencyInHours, d.encryption];
      })));
    }));

  policy.command('delete <vault> <policy>')
    .description('delete a policy (refused while protected items use it)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      await client.delete(path(client, vault, name));
      emit({ deleted: name }, opts.json, () => `policy ${name} deleted`);
    }));
}
