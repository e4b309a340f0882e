import type { Command } from 'commander';
import type { ArmResource } from '../api/AsrApiClient';
import { emit, table } from '../api/output';
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

/** `asr policy create|show|list|delete`. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('replication policies (Hyper-V to Azure)');
  const path = (client: { vaultPath(v: string): string }, vault: string, name?: string) =>
    `${client.vaultPath(vault)}/replicationPolicies${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

  policy.command('create <vault> <policy>')
    .description('create or replace a replication policy')
    .requiredOption('--interval <seconds>', 'replication interval: 30, 300 or 900')
    .requiredOption('--retention-hours <hours>', 'hours of recovery points to keep, 0-24')
    .option('--app-consistent-hours <hours>', 'hours between app-consistent snapshots, 0-12 (0 = none)', '0')
    .option('--encryption', 'encrypt replica logs')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: {
      interval: string; retentionHours: string; appConsistentHours: string; encryption?: boolean; json?: boolean;
    }) => {
      const body = {
        properties: {
          providerSpecificInput: {
            instanceType: 'HyperVReplicaAzure',
            replicationInterval: integerIn(opts.interval, '--interval', (n) => [30, 300, 900].includes(n), '30, 300 or 900'),
            recoveryPointHistoryDuration: integerIn(opts.retentionHours, '--retention-hours', (n) => n >= 0 && n <= 24, 'an integer from 0 to 24'),
            applicationConsistentSnapshotFrequencyInHours: integerIn(opts.appConsistentHours, '--app-consistent-hours', (n) => n >= 0 && n <= 12, 'an integer from 0 to 12'),
            encryption: opts.encryption ? 'Enabled' : 'Disabled',
          },
        },
      };
      emit(await client.put(path(client, vault, name), body), opts.json, describePolicy);
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
