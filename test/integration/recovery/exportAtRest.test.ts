import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsrRun, runAsrInProcess } from '../../support/runAsrInProcess';
import { registerItemExportCommands } from '../../../cli/commands/itemExport';
import { keyFingerprint } from '../../../shared/crypto';
import { DiskExporter, EXPORT_CONTAINER } from '../../../shared/recovery/service/DiskExporter';
import { qemuSame, writeImage } from '../replication/SourceDisk';
import { createSite, ReplicatedDisk, RG, startRecoveryHost, SUB, type RecoveryHost } from './recoveryHarness';

const MIB = 1024 * 1024;
const T0 = Date.UTC(2026, 10, 22, 7, 0);

/** Runs `asr item export-disk …` in this process and returns what it printed. */
function asr(h: RecoveryHost, ...args: string[]): Promise<AsrRun> {
  return runAsrInProcess([registerItemExportCommands], args,
    { ASR_ENDPOINT: h.host.baseUrl, ASR_SUBSCRIPTION: SUB, ASR_RESOURCE_GROUP: RG, ASR_DEV_ISSUER_DIR: join(h.dir, 'dev-issuer') });
}

/**
 * `asr item export-disk --key-file` of an encrypted item: the service exports the ciphertext,
 * the CLI decrypts while downloading; no blob of any container ever holds the plaintext, and
 * the export blob is swept once its URL has expired.
 */
describe('export of an encrypted point: plaintext only in the output file', () => {
  let h: RecoveryHost;
  let ids: Record<string, string>;
  let disk: ReplicatedDisk;
  const key = randomBytes(64);

  beforeAll(async () => {
    h = await startRecoveryHost();
    ids = await createSite(h, [{ name: 'enc', disks: ['os'], keyFingerprint: keyFingerprint(key) }], { encrypted: true });
    disk = new ReplicatedDisk(h, 'enc', 'os', 2 * MIB, key);
    await disk.change(T0, ['write -P 0x5a 0 512k'], { full: true });
    await disk.change(T0 + 300_000, ['write -P 0x5b 1M 64k']);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('the downloaded file is the source at the point, and no blob anywhere holds its plaintext', async () => {
    const keyFile = join(h.dir, 'enc.key');
    writeFileSync(keyFile, key);
    const [point] = (await h.replication.recorder.list(disk.ref)).slice(-1);
    const out = join(h.dir, 'enc-point.vhd');

    const without = await asr(h, 'item', 'export-disk', 'vault1', 'enc', '--disk', 'os', '--from', `point:${point.id}`, '--out', join(h.dir, 'nokey.vhd'));
    expect(without.err).toContain('pass --key-file');
    const r = await asr(h, 'item', 'export-disk', 'vault1', 'enc', '--disk', 'os', '--from', `point:${point.id}`, '--out', out, '--key-file', keyFile);
    expect(r.err).toBe('');
    const log = disk.logs.find((l) => l.sequence === point.sequence)!;
    expect(qemuSame(writeImage(join(h.dir, 'enc-point.raw'), log.image), out).same).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out).includes(Buffer.alloc(4096, 0x5a))).toBe(true);

    // Every blob of every container, snapshots included: no 4 KiB of either plaintext pattern.
    const probes = [Buffer.alloc(4096, 0x5a), Buffer.alloc(4096, 0x5b)];
    let exports = 0;
    for await (const c of h.blobs.listContainers()) {
      for await (const b of h.blobs.getContainerClient(c.name).listBlobsFlat({ includeSnapshots: true })) {
        const client = h.blobs.getContainerClient(c.name).getBlobClient(b.name);
        const bytes = await (b.snapshot ? client.withSnapshot(b.snapshot) : client).downloadToBuffer();
        for (const p of probes) expect({ blob: `${c.name}/${b.name}`, plaintext: bytes.includes(p) }).toEqual({ blob: `${c.name}/${b.name}`, plaintext: false });
        if (c.name === EXPORT_CONTAINER) exports++;
      }
    }
    expect(exports).toBe(1);
  }, 90_000);

  it('the service refuses to decrypt an export (the key stays with the CLI): 400 ExportKeyNotAccepted', async () => {
    const [point] = await h.replication.recorder.list(disk.ref);
    const res = await h.call('POST', `${ids.enc}/exportDisk`, { properties: { diskId: 'os', from: 'Point', recoveryPointId: point.id, primaryKekCertificatePfx: key.toString('base64') } }, 'Operator');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ExportKeyNotAccepted');
  });

  it('the sweeper deletes export blobs once their URL has expired', async () => {
    const count = async () => {
      let n = 0;
      for await (const _ of h.blobs.getContainerClient(EXPORT_CONTAINER).listBlobsFlat()) n++;
      return n;
    };
    expect(await count()).toBeGreaterThan(0);
    expect(await new DiskExporter(h.replication).sweepExpired()).toBe(0); // still downloadable
    expect(await new DiskExporter(h.replication, () => new Date(Date.now() + 61 * 60_000)).sweepExpired()).toBeGreaterThan(0);
    expect(await count()).toBe(0);
  });
});
