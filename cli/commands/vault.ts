import type { Command } from 'commander';
import type { ArmResource } from '../api/AsrApiClient';
import { emit, table } from '../api/output';
import { runCommand } from '../api/runCommand';

const line = (v: ArmResource) => `${v.name}  ${v.location ?? ''}  ${v.id}`;

/** `asr vault create|show|list`. */
export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('Recovery Services vaults');

  vault.command('create <vault>')
    .description('create a vault (or update its tags)')
    .option('--location <region>', 'Azure region of the vault', 'local')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, name: string, opts: { location: string; json?: boolean }) => {
      const created = await client.put(client.vaultPath(name), { location: opts.location });
      emit(created, opts.json, (v) => `vault ${v.name} ready in ${v.location}`);
    }));

  vault.command('show <vault>')
    .description('show a vault')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, name: string, opts: { json?: boolean }) => {
      emit(await client.get(client.vaultPath(name)), opts.json, line);
    }));

  vault.command('list')
    .description('list the vaults of the resource group (ASR_RESOURCE_GROUP)')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, opts: { json?: boolean }) => {
      const vaults = await client.list(client.vaultPath());
      emit(vaults, opts.json, (vs) => table(['NAME', 'LOCATION'], vs.map((v) => [v.name, v.location])));
    }));
}
