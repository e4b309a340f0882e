import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, ContainerClient, PageBlobClient } from '@azure/storage-blob';
import { MAX_PUT_PAGE_BYTES, PageAlignmentError, PageBlobWriter, openDiskImage, uploadFixedVhdToPageBlob } from '../../../shared/disk';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { tempDir } from '../../support/tempDir';
import { compareImages, createImage, writePattern } from './qemu';

const MIB = 1024 * 1024;

/**
 * The real client, observed: every Put Page that reaches Azurite is recorded with how many
 * were in flight when it started (itself included).
 */
function observed(client: PageBlobClient): { client: PageBlobClient; calls: { offset: number; count: number; inFlight: number }[]; maxInFlight: () => number } {
  const calls: { offset: number; count: number; inFlight: number }[] = [];
  let inFlight = 0;
  let max = 0;
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'uploadPages') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<PageBlobClient['uploadPages']>) => {
        max = Math.max(max, ++inFlight);
        calls.push({ offset: args[1], count: args[2], inFlight });
        try {
          return await target.uploadPages(...args);
        } finally {
          inFlight--;
        }
      };
    },
  });
  return { client: proxy, calls, maxInFlight: () => max };
}

describe('PageBlobWriter against Azurite', () => {
  let azurite: TestAzurite;
  let container: ContainerClient;
  const dir = tempDir('asr-pageblob-');
  let n = 0;

  beforeAll(async () => {
    azurite = await startAzurite();
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('vhds');
    await container.create();
  });
  afterAll(async () => {
    await azurite.stop();
    dir.cleanup();
  });

  async function newBlob(size: number): Promise<PageBlobClient> {
    const blob = container.getPageBlobClient(`b${++n}.vhd`);
    await blob.create(size);
    return blob;
  }

  it('refuses misaligned writes before sending anything', async () => {
    const blob = await newBlob(MIB);
    const o = observed(blob);
    const writer = new PageBlobWriter(o.client);
    await expect(writer.write(100, Buffer.alloc(512))).rejects.toThrow(PageAlignmentError);
    await expect(writer.write(512, Buffer.alloc(700))).rejects.toMatchObject({ code: 'PageAlignment' });
    await writer.flush();
    expect(o.calls).toEqual([]);
    expect((await blob.getPageRanges()).pageRange ?? []).toEqual([]);
  });

  it('coalesces adjacent writes into Put Page calls of at most 4 MiB, several in flight', async () => {
    const size = 20 * MIB;
    const blob = await newBlob(size);
    const o = observed(blob);
    const writer = new PageBlobWriter(o.client, { maxInFlight: 3 });
    const expected = Buffer.alloc(size);
    // 160 adjacent 64 KiB writes (10 MiB), a gap, then one 9 MiB write.
    for (let i = 0; i < 160; i++) {
      const piece = randomBytes(64 * 1024);
      piece.copy(expected, i * 64 * 1024);
      await writer.write(i * 64 * 1024, piece);
    }
    const big = randomBytes(9 * MIB);
    big.copy(expected, 11 * MIB);
    await writer.write(11 * MIB, big);
    await writer.flush();

    expect(o.calls.every((c) => c.count <= MAX_PUT_PAGE_BYTES && c.count % 512 === 0)).toBe(true);
    expect(o.calls.map((c) => c.count)).toEqual([4 * MIB, 4 * MIB, 2 * MIB, 4 * MIB, 4 * MIB, MIB]);
    expect(o.maxInFlight()).toBeGreaterThan(1);
    expect(o.maxInFlight()).toBeLessThanOrEqual(3);
    expect(writer.stats).toEqual({ putPageCalls: 6, bytesSent: 19 * MIB });
    expect((await blob.downloadToBuffer()).equals(expected)).toBe(true);
  });

  it('flushWithEtag sends the last piece alone after the others and returns the blob\'s ETag after all of them; undefined when nothing was left to send', async () => {
    const blob = await newBlob(16 * MIB);
    const o = observed(blob);
    const writer = new PageBlobWriter(o.client, { maxInFlight: 4 });
    // Eight separate runs: seven go out together, the eighth after they all returned.
    for (let i = 0; i < 8; i++) await writer.write(i * 2 * MIB, randomBytes(64 * 1024));
    const etag = await writer.flushWithEtag();
    expect(o.calls).toHaveLength(8);
    expect(o.calls[7]).toMatchObject({ offset: 14 * MIB, inFlight: 1 });
    expect(o.maxInFlight()).toBe(4);
    expect(etag).toBe((await blob.getProperties()).etag);
    expect(writer.stats).toEqual({ putPageCalls: 8, bytesSent: 8 * 64 * 1024 });
    // Nothing buffered: nothing sent last, no ETag to report.
    expect(await new PageBlobWriter(blob).flushWithEtag()).toBeUndefined();
  });

  it('passes the lease through: without it Put Page fails and flush reports it', async () => {
    const blob = await newBlob(MIB);
    const lease = blob.getBlobLeaseClient();
    await lease.acquireLease(-1);
    const without = new PageBlobWriter(blob);
    await without.write(0, Buffer.alloc(512, 1));
    await expect(without.flush()).rejects.toMatchObject({ statusCode: 412 });
    await expect(without.write(512, Buffer.alloc(512))).rejects.toMatchObject({ statusCode: 412 });

    const withLease = new PageBlobWriter(blob, { conditions: { leaseId: lease.leaseId } });
    await withLease.write(0, Buffer.alloc(512, 1));
    await withLease.flush();
    expect((await blob.download(0, 512)).contentLength).toBe(512);
    expect((await blob.downloadToBuffer(0, 1))[0]).toBe(1);
    await lease.releaseLease();
  });

  it('uploads a VHDX as a fixed VHD page blob that qemu-img finds identical, footer last', async () => {
    const input = join(dir.path, 'seed.vhdx');
    createImage(input, 'vhdx', 5 * MIB + 4096, 'block_size=1M');
    writePattern(input, 'vhdx', [[0xab, 0, 65536], [0xcd, 3 * MIB - 512, 4096], [0xef, 5 * MIB, 4096]]);
    const image = await openDiskImage(input);
    const blob = container.getPageBlobClient('seed.vhd');
    const o = observed(blob);
    try {
      const result = await uploadFixedVhdToPageBlob(image, o.client);
      expect(result.virtualSize).toBe(6 * MIB);
      // Only stored, non-zero data travels; the footer is the last call.
      expect(o.calls.at(-1)).toMatchObject({ offset: 6 * MIB, count: 512 });
      expect(result.bytesSent).toBeLessThan(2 * MIB);
      // Second seed of the same blob is refused rather than overwriting a replica.
      await expect(uploadFixedVhdToPageBlob(image, blob)).rejects.toMatchObject({ statusCode: 409 });
    } finally {
      await image.close();
    }
    const props = await blob.getProperties();
    expect(props.contentLength).toBe(6 * MIB + 512);
    const out = join(dir.path, 'seed.vhd');
    writeFileSync(out, await blob.downloadToBuffer());
    const cmp = compareImages(input, 'vhdx', out, 'vpc');
    expect(cmp.output).toMatch(/identical/);
    expect(cmp.status).toBe(0);
    expect(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', 'vpc', out], { encoding: 'utf8' }))['virtual-size']).toBe(6 * MIB);
  });
});
