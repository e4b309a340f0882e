import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BlockBlobClient } from '@azure/storage-blob';
import { AsrRun, runAsrInProcess } from '../../support/runAsrInProcess';
import { registerAgentCommands } from '../../../cli/commands/agent';
import { registerSiteCommands } from '../../../cli/commands/site';
import {
  agentChannelFromEnv, channelOfSite, ensureSiteIdentity, protectItem, SiteApiClient, siteIdentityPath, syncItem, type RegistrationKeyFile,
} from '../../../shared/agent';
import { pendingLogBlob, REPLICA_CONTAINERS } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, diskRefs, qemuCompare, snapshotImage, startAgentCloud } from './agentHarness';

const MiB = 1024 * 1024;
const merge = { pollMs: 100, timeoutMs: 60_000 };
const SUB = '00000000-0000-0000-0000-000000000000';

function writeMarker(path: string, offset: number, text: string): void {
  const buf = Buffer.alloc(64 * 1024);
  for (let i = 0; i < buf.length; i += text.length) buf.write(text, i);
  const fd = openSync(path, 'r+');
  writeSync(fd, buf, 0, buf.length, offset);
  closeSync(fd);
}

describe('source sites: registration keys, site identities and create-only upload URLs (no storage credential on the source)', () => {
  let cloud: AgentCloud;
  let clockOffsetMs = 0;
  const dir = tempDir('agent-sites-');
  /** The environment of a source host: no ASR_STORAGE_CONNECTION_STRING. */
  const hostEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH };

  beforeAll(async () => {
    cloud = await startAgentCloud({ now: () => new Date(Date.now() + clockOffsetMs), siteSettings: { uploadWindow: 8 } });
    await cloud.createVaultAndPolicy('sites', 'p', false);
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  /** What `asr site register-key --out` writes. */
  async function keyFile(name: string): Promise<string> {
    const issued = await cloud.api.post<{ properties: { registrationKey: string; expiresAt: string } }>(`${cloud.api.vaultPath('sites')}/siteRegistrationKeys`, {});
    const file: RegistrationKeyFile = { endpoint: cloud.apiUrl, subscriptionId: SUB, resourceGroup: 'local', vault: 'sites', ...issued.properties };
    const path = join(dir.path, `${name}.key.json`);
    writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
    return path;
  }

  function disk(name: string): string {
    const path = join(dir.path, `${name}.raw`);
    writeFileSync(path, Buffer.alloc(4 * MiB));
    writeMarker(path, 0, `${name}: boot sector; `);
    return path;
  }

  it('a registered site protects and syncs with no storage connection string, and its replica equals the source', async () => {
    const stateDir = join(dir.path, 'state-a');
    const channel = await agentChannelFromEnv(cloud.api, { stateDir, vault: 'sites', register: true, registrationKeyFile: await keyFile('a') }, hostEnv);
    expect(channel.kind).toBe('site');
    expect(statSync(siteIdentityPath(stateDir, 'sites')).mode & 0o777).toBe(0o600);

    const src = disk('a');
    const { state } = await protectItem(cloud.api, channel, { vault: 'sites', item: 'vma', diskPaths: [src], policy: 'p', stateDir, merge });
    writeMarker(src, 2 * MiB, 'changed at the source; ');
    const atSync = join(dir.path, 'a-at-sync.raw');
    snapshotImage(src, 'raw', atSync);
    // sync finds the site identity again (as `asr agent sync` does), still without a connection string.
    const report = await syncItem(await agentChannelFromEnv(cloud.api, { stateDir, vault: 'sites' }, hostEnv), { vault: 'sites', item: 'vma', stateDir, merge });
    expect(report.bytesUploaded).toBeGreaterThan(0);

    const [ref] = diskRefs(state);
    const out = join(dir.path, 'a-replica.vhd');
    expect((await cloud.materialize(ref, out)).verified).toBe(true);
    expect(qemuCompare(atSync, 'raw', out, 'vpc')).toMatchObject({ status: 0 });
  });

  it('a registered site serves a repair through the API (request, digests, new epoch) and judges its own logs by checksum, still with no storage credential', async () => {
    const stateDir = join(dir.path, 'state-r');
    const channel = await agentChannelFromEnv(cloud.api, { stateDir, vault: 'sites', register: true, registrationKeyFile: await keyFile('r') }, hostEnv);
    const src = disk('r');
    const { state } = await protectItem(cloud.api, channel, { vault: 'sites', item: 'vmr', diskPaths: [src], policy: 'p', stateDir, merge });
    const itemId = (await cloud.api.list<{ id: string; name: string }>(`${cloud.api.vaultPath('sites')}/replicationProtectedItems`)).find((i) => i.name === 'vmr')!.id;
    // An operator's repair: the service moves the replica to epoch 2 and writes the request and digests where only the API reaches them for a site.
    await cloud.api.post(`${itemId}/repairReplication`, {});
    writeMarker(src, 3 * MiB, 'changed before the repair; ');
    const atSync = join(dir.path, 'r-at-sync.raw');
    snapshotImage(src, 'raw', atSync);
    const sync = () => agentChannelFromEnv(cloud.api, { stateDir, vault: 'sites' }, hostEnv);
    const repaired = await syncItem(await sync(), { vault: 'sites', item: 'vmr', stateDir, merge, api: cloud.api });
    expect(repaired.repairEpoch).toBe(2);
    // Only what differs from the replica: the changed 64 KiB, not the 4 MiB disk.
    expect(repaired.disks[0].changedBlocks).toBe(16);
    const [ref] = diskRefs(state);
    const out = join(dir.path, 'r-replica.vhd');
    expect((await cloud.materialize(ref, out)).verified).toBe(true);
    expect(qemuCompare(atSync, 'raw', out, 'vpc')).toMatchObject({ status: 0 });
    // The next sync continues in epoch 2; "merged" only because the replica's checksum of the log is the agent's own.
    writeMarker(src, 1 * MiB, 'after the repair; ');
    const next = await syncItem(await sync(), { vault: 'sites', item: 'vmr', stateDir, merge, api: cloud.api });
    expect(next.repairEpoch).toBeUndefined();
    expect(next.targets[0]).toMatchObject({ epoch: 2, sequence: 2, logs: [expect.objectContaining({ sequence: 1 }), expect.objectContaining({ sequence: 2 })] });
  });

  /** Runs `asr site …` / `asr agent register …` in this process against the test API. */
  function asr(...args: string[]): Promise<AsrRun> {
    return runAsrInProcess([registerSiteCommands, registerAgentCommands], args, {
      ASR_ENDPOINT: cloud.apiUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: 'local', ASR_DEV_ISSUER_DIR: cloud.issuerDir, ASR_DATA_DIR: cloud.issuerDir, ASR_TOKEN: '',
    });
  }


  it('asr site register-key writes a 0600 key file (never over an existing one) that asr agent register exchanges once', async () => {
    const file = join(dir.path, 'cli.key.json');
    const r = await asr('site', 'register-key', 'sites', '--out', file);
    expect(r.err).toBe('');
    expect(r.out).toContain(`--registration-key-file ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ vault: 'sites', subscriptionId: SUB, registrationKey: expect.stringMatching(/^[0-9a-f]{32}\./) });
    expect((await asr('site', 'register-key', 'sites', '--out', file)).err).toMatch(/^OutputExists: /);

    const reg = await asr('agent', 'register', 'sites', '--registration-key-file', file, '--state-dir', join(dir.path, 'state-cli'));
    expect(reg.err).toBe('');
    expect(reg.out).toMatch(/^this host is site [0-9a-f]{32} of vault sites/);
    const again = await asr('agent', 'register', 'sites', '--registration-key-file', file, '--state-dir', join(dir.path, 'state-cli-2'));
    expect(again.err).toMatch(/^RegistrationKeyUsed: /);
  });

  it('a registration key registers one site once: reusing it is 401 RegistrationKeyUsed', async () => {
    const key = await keyFile('once');
    await ensureSiteIdentity(cloud.api, { stateDir: join(dir.path, 'state-once-1'), vault: 'sites', registrationKeyFile: key });
    await expect(ensureSiteIdentity(cloud.api, { stateDir: join(dir.path, 'state-once-2'), vault: 'sites', registrationKeyFile: key }))
      .rejects.toMatchObject({ code: 'RegistrationKeyUsed', details: { status: 401 }, message: expect.stringContaining('already used') });
  });

  it('an expired registration key is 401 RegistrationKeyExpired; an altered one is 401 RegistrationKeyInvalid', async () => {
    const key = await keyFile('late');
    clockOffsetMs = 61 * 60_000; // the service's clock: an hour and a minute later
    try {
      await expect(ensureSiteIdentity(cloud.api, { stateDir: join(dir.path, 'state-late'), vault: 'sites', registrationKeyFile: key }))
        .rejects.toMatchObject({ code: 'RegistrationKeyExpired', details: { status: 401 } });
    } finally {
      clockOffsetMs = 0;
    }
    const site = new SiteApiClient({ endpoint: cloud.apiUrl, subscriptionId: SUB, resourceGroup: 'local', vault: 'sites' });
    await expect(site.register('0123456789abcdef0123456789abcdef.forged', 'x')).rejects.toMatchObject({ code: 'RegistrationKeyInvalid', details: { status: 401 } });
    // An unknown vault answers like a bad key: no token, no telling which vaults exist.
    const elsewhere = new SiteApiClient({ endpoint: cloud.apiUrl, subscriptionId: SUB, resourceGroup: 'local', vault: 'no-such-vault' });
    await expect(elsewhere.register('0123456789abcdef0123456789abcdef.forged', 'x')).rejects.toMatchObject({ code: 'RegistrationKeyInvalid', details: { status: 401 } });
  });

  it("site B gets no upload URL and no state for site A's item (403); a wrong secret is 401; a far-ahead sequence is 409", async () => {
    const stateA = join(dir.path, 'state-a');
    const a = await ensureSiteIdentity(cloud.api, { stateDir: stateA, vault: 'sites' });
    const armA = (await cloud.api.list<{ id: string; name: string }>(`${cloud.api.vaultPath('sites')}/replicationProtectedItems`)).find((i) => i.name === 'vma')!.id;

    const stateB = join(dir.path, 'state-b');
    const b = await ensureSiteIdentity(cloud.api, { stateDir: stateB, vault: 'sites', registrationKeyFile: await keyFile('b') });
    const asB = new SiteApiClient(b, b);
    await expect(asB.uploadUrl({ itemId: armA, diskId: 'disk0', epoch: 1, sequence: 3, sizeBytes: 100 }))
      .rejects.toMatchObject({ code: 'SiteItemForbidden', details: { status: 403 } });
    await expect(asB.replicationState(armA)).rejects.toMatchObject({ code: 'SiteItemForbidden', details: { status: 403 } });

    const wrongSecret = new SiteApiClient(a, { siteId: a.siteId, siteSecret: b.siteSecret });
    await expect(wrongSecret.uploadUrl({ itemId: armA, diskId: 'disk0', epoch: 1, sequence: 3, sizeBytes: 100 }))
      .rejects.toMatchObject({ code: 'SiteCredentialInvalid', details: { status: 401 } });

    const asA = new SiteApiClient(a, a);
    // Two logs merged (seed + sync); the window is 8: sequence 11 is too far ahead, an old one is merged already.
    await expect(asA.uploadUrl({ itemId: armA, diskId: 'disk0', epoch: 1, sequence: 11, sizeBytes: 100 }))
      .rejects.toMatchObject({ code: 'LogSequenceAhead', details: { status: 409 } });
    expect(await asA.uploadUrl({ itemId: armA, diskId: 'disk0', epoch: 1, sequence: 1, sizeBytes: 100 })).toMatchObject({ status: 'alreadyMerged' });
    await expect(asA.uploadUrl({ itemId: armA, diskId: 'disk9', epoch: 1, sequence: 3, sizeBytes: 100 })).rejects.toMatchObject({ details: { status: 403 } });
  });

  it('an upload URL creates exactly its blob once: no overwrite, no other name, no read', async () => {
    const stateB = join(dir.path, 'state-b');
    const b = await ensureSiteIdentity(cloud.api, { stateDir: stateB, vault: 'sites' });
    // B protects its own item with --no-wait, so nothing merges behind the test's back before it looks.
    await protectItem(cloud.api, channelOfSite(b, stateB), { vault: 'sites', item: 'vmb', diskPaths: [disk('b')], policy: 'p', stateDir: stateB, noWait: true });
    const itemB = (await cloud.api.list<{ id: string; name: string; properties: { providerSpecificDetails: { protectionId: string } } }>(`${cloud.api.vaultPath('sites')}/replicationProtectedItems`)).find((i) => i.name === 'vmb')!;
    const armB = itemB.id;
    const asB = new SiteApiClient(b, b);
    const answer = await asB.uploadUrl({ itemId: armB, diskId: 'disk0', epoch: 1, sequence: 5, sizeBytes: 5 });
    if (answer.status !== 'upload') throw new Error(`expected an upload URL, got ${answer.status}`);
    expect(answer.uploadUrl).toMatch(/[?&]sp=c(&|$)/);
    const vaultSegment = answer.blobName.split('/')[0];
    expect(answer.blobName).toBe(pendingLogBlob({ vault: vaultSegment, item: 'vmb', disk: 'disk0' }, 5n));

    const url = new BlockBlobClient(answer.uploadUrl);
    // Stamped as the agent stamps its logs (else the merge quarantines it at once as another protection's).
    await url.uploadData(Buffer.from('first'), { metadata: { protectionid: itemB.properties.providerSpecificDetails.protectionId } });
    await expect(url.uploadData(Buffer.from('forged!'))).rejects.toMatchObject({ statusCode: 403 });
    await expect(url.downloadToBuffer()).rejects.toMatchObject({ statusCode: 403 });
    const other = answer.uploadUrl.replace(answer.blobName, pendingLogBlob({ vault: vaultSegment, item: 'vma', disk: 'disk0' }, 5n));
    await expect(new BlockBlobClient(other).uploadData(Buffer.from('forged'))).rejects.toMatchObject({ statusCode: 403 });

    const stored = await cloud.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(answer.blobName).downloadToBuffer().catch(() => undefined);
    // Still pending (the merge applies logs in order, and 2-4 are missing): the first upload, untouched.
    expect(stored?.toString()).toBe('first');
    expect(await cloud.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob({ vault: vaultSegment, item: 'vma', disk: 'disk0' }, 5n)).exists()).toBe(false);

    // The agent's retry after a lost answer: its own log (same size) counts as sent; a different one is refused.
    {
      const ref = { vault: vaultSegment, item: 'vmb', disk: 'disk0' };
      const same = join(dir.path, 'same.hrl');
      writeFileSync(same, 'first');
      expect((await channelOfSite(b, stateB).uploadLog(ref, 1, 5, same)).sent).toBe(0);
      const different = join(dir.path, 'different.hrl');
      writeFileSync(different, 'another log');
      await expect(channelOfSite(b, stateB).uploadLog(ref, 1, 5, different)).rejects.toMatchObject({ code: 'LogNameTaken', details: { status: 409 } });
    }
  });
});
