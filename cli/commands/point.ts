import type { Command } from 'commander';
import type { ArmResource } from '../api/AsrApiClient';
import { emit, table } from '../api/output';
import { runCommand } from '../api/runCommand';
import { findItem } from './item';

/** The item's recovery points, newest first (what `--point <id>` and `export-disk --from point:<id>` take). */
export async function listPoints(client: { list<T>(path: string): Promise<T[]> }, itemId: string): Promise<ArmResource[]> {
  const points = await client.list<ArmResource>(`${itemId}/recoveryPoints`);
  return points.sort((a, b) => Date.parse(b.properties.recoveryPointTime) - Date.parse(a.properties.recoveryPointTime));
}

/** `asr point list <vault> <item>`. */
export function registerPointCommands(program: Command): void {
  const point = program.command('point').description('recovery points of a protected item');
  point.command('list <vault> <item>')
    .description('the recovery points of an item, newest first, with their type and time')
    .option('--json', 'print JSON')
    .action(runCommand(async (client, vault: string, name: string, opts: { json?: boolean }) => {
      const item = await findItem(client, vault, name);
      const points = await listPoints(client, item.id);
      emit(points, opts.json, (ps) => (ps.length === 0
        ? `${item.name} has no recovery point yet (the first comes when the initial replication completes)`
        : table(['POINT', 'TYPE', 'TIME', 'DISKS'], ps.map((p) => [
          p.name, p.properties.recoveryPointType, p.properties.recoveryPointTime, (p.properties.diskRecoveryPoints ?? []).length,
        ]))));
    }));
}
