import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentChannelFromEnv, protectItem, syncFailback, type RegistrationKeyFile } from '../../../shared/agent';
import { failbackRoundProgress, prepareFailbackDelta, requestFailbackRound } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { AgentCloud, qemuCompare, startAgentCloud } from '../agent/agentHarness';
import { BLOCK, downloadBlob, qemuDisk, recoveredBlobFrom, roundRequest, writeRandomBlocks } from './failbackHarness';

const SUB = '00000000-0000-0000-0000-000000000000';
const SIZE = 8 * 1024 * 1024;

describe('failback through a registered site: no storage credential on the source host', () => {
  let cloud: AgentCloud;
  const dir = tempDir('failback-site-');
  /** The environment of a source host: no ASR_STORAGE_CONNECTION_STRING. */
  const hostEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH };

  beforeAll(async () => {
    cloud = await startAgentCloud();
    await cloud.createVaultAndPolicy('fbs', 'p', false);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it('the agent reports digests and applies the delta through per-blob URLs of the replication state', async () => {
    const issued = await cloud.api.post<{ properties: { registrationKey: string; expiresAt: string } }>(`${cloud.api.vaultPath('fbs')}/siteRegistrationKeys`, {});
    const keyFile = join(dir.path, 'site.key.json');
    const file: RegistrationKeyFile = { endpoint: cloud.apiUrl, subscriptionId: SUB, resourceGroup: 'local', vault: 'fbs', ...issued.properties };
    writeFileSync(keyFile, JSON.stringify(file), { mode: 0o600 });
    const stateDir = join(dir.path, 'state');
    const channel = await agentChannelFromEnv(cloud.api, { stateDir, vault: 'fbs', register: true, registrationKeyFile: keyFile }, hostEnv);
    expect(channel.kind).toBe('site');

    const disk = join(dir.path, 's.raw');
    qemuDisk(disk, '8M', ['write -P 0x31 0 4M']);
    const { state } = await protectItem(cloud.api, channel, { vault: 'fbs', item: 'vms', diskPaths: [disk], policy: 'p', stateDir, merge: { pollMs: 100 } });
    const item = { vault: state.vaultSegment, item: state.item };
    const recovered = await recoveredBlobFrom(cloud, 'rg/vms/disk0.vhd', disk);
    const changed = await writeRandomBlocks(recovered, SIZE, 20);
    await requestFailbackRound(cloud.deps, item, roundRequest('job-site', 1, [{ diskId: 'disk0', dataBytes: SIZE }]));

    // The service prepares the delta as soon as the digests are there (the flow's activity would).
    const service = (async () => {
      await waitFor(async () => (await failbackRoundProgress(cloud.deps, item, 'job-site', 1)) === 'Shipping', { describe: 'the site agent to report its digests' });
      return prepareFailbackDelta(cloud.deps, item, 1, [{ diskId: 'disk0', blob: recovered, dataBytes: SIZE }]);
    })();
    const served = await syncFailback(await agentChannelFromEnv(cloud.api, { stateDir, vault: 'fbs' }, hostEnv), { vault: 'fbs', item: 'vms', stateDir, pollMs: 100, waitMs: 60_000 });
    expect(await service).toMatchObject({ bytesChanged: changed.length * BLOCK, blocks: changed.length });
    expect(served).toMatchObject({ state: 'applied', applied: { bytesApplied: changed.length * BLOCK } });
    expect(await failbackRoundProgress(cloud.deps, item, 'job-site', 1)).toMatchObject({ applied: { round: 1 } });
    const recoveredFile = join(dir.path, 'recovered.vhd');
    await downloadBlob(recovered, recoveredFile);
    expect(qemuCompare(disk, 'raw', recoveredFile, 'raw').status).toBe(0);
  });
});
