import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerAgentCommands } from '../../../cli/commands/agent';
import { registerItemCommands } from '../../../cli/commands/item';
import { registerPlanCommands } from '../../../cli/commands/plan';
import { vaultKeyOf } from '../../../shared/metadata';
import { readReplica, replicaClient, vaultSegmentOf } from '../../../shared/replication';
import { runAsrInProcess, type AsrRun } from '../../support/runAsrInProcess';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../devhost/triggerRecords';
import { AgentCloud, qemuIo, startAgentCloud, pointCliAt } from './agentHarness';

const MiB = 1024 * 1024;

/** Runs `asr <args>` in-process, as an operator would type it. */
function asr(...args: string[]): Promise<AsrRun> {
  return runAsrInProcess([registerAgentCommands, registerItemCommands, registerPlanCommands], args);
}

/** The row of `asr item list` for `name`, split into its columns (two or more spaces apart). */
function row(listing: string, name: string): string[] {
  const line = listing.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no row for ${name} in:\n${listing}`);
  return line.split(/\s{2,}/);
}

describe('replication status: protected, synced, then silent (real agent and CLI, injectable service clock)', () => {
  let cloud: AgentCloud;
  /** How far the service's clock runs ahead of the source's: the agent stays silent while it grows. */
  let aheadMs = 0;
  const dir = tempDir('repl-status-');
  let restoreEnv: () => void;

  beforeAll(async () => {
    cloud = await startAgentCloud({ now: () => new Date(Date.now() + aheadMs) });
    restoreEnv = pointCliAt(cloud);
  });
  afterAll(async () => {
    restoreEnv();
    await cloud.stop();
    dir.cleanup();
  });

  it('shows Protected, Normal and a small RPO after protect and two syncs; the RPO grows into Warning, then Critical, on the item and its plan', async () => {
    await cloud.createVaultAndPolicy('va', 'p30', false); // 30 s interval: Warning above 2 min, Critical above 5 min
    const disk = join(dir.path, 'web01.raw');
    writeFileSync(disk, Buffer.alloc(8 * MiB));
    qemuIo(disk, 'raw', 'write -P 0x11 0 3M');
    const stateDir = join(dir.path, 'state');

    const protect = await asr('agent', 'protect', 'va', 'web01', '--disk', disk, '--policy', 'p30', '--state-dir', stateDir, '--seed-log-mib', '1');
    expect(protect.err).toBe('');
    expect(protect.out).toContain('completed initial replication of web01');
    for (const write of ['write -P 0x21 4M 64k', 'write -P 0x22 5M 4k']) {
      qemuIo(disk, 'raw', write);
      const sync = await asr('agent', 'sync', 'va', 'web01', '--state-dir', stateDir);
      expect(sync.err).toBe('');
      expect(sync.out).toMatch(/merged\n$/);
    }

    // What the API says, against what the replica says it holds.
    const [{ id }] = (await cloud.api.get(`${cloud.api.vaultPath('va')}/replicationProtectedItems`) as unknown as { value: { id: string }[] }).value;
    const vault = vaultSegmentOf(vaultKeyOf({ subscriptionId: cloud.api.config.subscriptionId, resourceGroupName: 'local', vaultName: 'va' }));
    const replica = await readReplica(replicaClient(cloud.deps, { vault, item: 'web01', disk: 'disk0' }));
    const cut = new Date(replica!.state!.lastAppliedCutTimeMs!).toISOString();
    // The merge records its progress on the item right after the replica advances (what sync waits for).
    const item = await waitFor('the item to show the last merged cut', async () => {
      const shown = await cloud.api.get(id);
      return shown.properties.providerSpecificDetails.lastReplicatedTime === cut && shown;
    });
    const d = item.properties.providerSpecificDetails;
    expect(item.properties).toMatchObject({ protectionState: 'Protected', replicationHealth: 'Normal', healthErrors: [] });
    expect(d.lastReplicatedTime).toBe(cut);
    expect(d.rpoInSeconds).toBeGreaterThanOrEqual(0);
    expect(d.rpoInSeconds).toBeLessThan(60);
    expect(d.lastRecoveryPointTime).toEqual(expect.any(String));
    expect(d.protectedDisks).toEqual([expect.objectContaining({ diskId: 'disk0', replicationEpoch: 1, lastAppliedSequence: Number(replica!.state!.lastAppliedSequence), isInitialReplicationComplete: true })]);

    const fresh = row((await asr('item', 'list', 'va')).out, 'web01');
    expect(fresh.slice(0, 5)).toEqual(['web01', 'Protected', 'Normal', expect.stringMatching(/^\d+s$/), cut]);

    // The source goes silent: no new log. The RPO keeps growing with the service's clock.
    aheadMs = 200_000;
    const warning = row((await asr('item', 'list', 'va')).out, 'web01');
    expect(warning.slice(0, 3)).toEqual(['web01', 'Protected', 'Warning']);
    expect(warning[3]).toMatch(/^3m \d\ds$/);
    const shownWarning = (await asr('item', 'show', 'va', 'web01')).out;
    expect(shownWarning).toContain('health: Warning');
    expect(shownWarning).toMatch(/Warning RpoThresholdExceeded \(web01\): RPO is 3m \d\ds, above the warning threshold of 2m 00s for a 30s replication interval/);
    expect(shownWarning).toMatch(/recommended action: Check that the agent runs on the source host \('asr agent run <vault> web01'\)/);

    aheadMs = 400_000;
    const critical = await cloud.api.get(id);
    expect(critical.properties.replicationHealth).toBe('Critical');
    expect(critical.properties.providerSpecificDetails.rpoInSeconds).toBeGreaterThanOrEqual(400);
    expect(critical.properties.healthErrors).toEqual([expect.objectContaining({ errorCode: 'RpoThresholdExceeded', errorLevel: 'Error', entityId: 'web01' })]);
    expect(row((await asr('item', 'list', 'va')).out, 'web01').slice(0, 3)).toEqual(['web01', 'Protected', 'Critical']);

    // The plan shows the worst of its items, with their errors.
    await cloud.api.put(`${cloud.api.vaultPath('va')}/replicationRecoveryPlans/shop`, { properties: {
      primaryFabricId: `${cloud.api.vaultPath('va')}/replicationFabrics/site`, recoveryFabricId: 'Microsoft Azure',
      groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id }] }],
    } });
    const plan = await cloud.api.get(`${cloud.api.vaultPath('va')}/replicationRecoveryPlans/shop`);
    expect(plan.properties.replicationHealth).toBe('Critical');
    expect(plan.properties.healthErrors).toEqual([expect.objectContaining({ errorCode: 'RpoThresholdExceeded', protectedItemName: 'web01', protectedItemId: id })]);
    const shownPlan = (await asr('plan', 'show', 'va', 'shop')).out;
    expect(shownPlan).toContain('replication health: Critical');
    expect(shownPlan).toMatch(/Error RpoThresholdExceeded \(web01\): RPO is 6m \d\ds, above the critical threshold of 5m 00s/);

    // Logs flow again: the next merged cut brings the RPO back under the thresholds.
    aheadMs = 0;
    qemuIo(disk, 'raw', 'write -P 0x23 6M 4k');
    expect((await asr('agent', 'sync', 'va', 'web01', '--state-dir', stateDir)).out).toMatch(/merged\n$/);
    await waitFor('the item to be Normal again', async () => row((await asr('item', 'list', 'va')).out, 'web01')[2] === 'Normal');
  });
});
