import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UnsupportedFormatError } from '../errors';
import { openDiskImage } from './openDiskImage';
import { DynamicVhdImage } from './vhd/DynamicVhdImage';
import { VhdxImage } from './vhdx/VhdxImage';
import { vhdxPayloadIndex, VhdxPayloadState } from './vhdx/VhdxBatEntry';

const MIB = 1024 * 1024;
const SECTOR = 512;

/** Writes virtual-disk bytes into a sparse image in place. */
export interface SparseImageWriter {
  readonly format: 'vhdx' | 'vhd-dynamic';
  readonly virtualSize: number;
  write(virtualOffset: number, data: Buffer): Promise<void>;
  /** Makes everything written durable: new blocks' data first, then the tables that point at them. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a VHDX or dynamic VHD for writing in place (a failback applying blocks to the source
 * disk, docs/failback.md). A write to a stored block goes where the block lies; a write to a
 * block the image does not store allocates a new block at the end of the file (zeros around the
 * data) and records it in the BAT. Ordering for crashes: new blocks (and a dynamic VHD's footer,
 * moved to the new end) are written and fsynced before the BAT entries and sector bitmaps that
 * make them visible are written and fsynced (`sync`), so a crash leaves either the old table
 * (the new blocks are unreferenced space) or the new one over whole data. The caller re-applies
 * its journal after a crash; rewriting the same bytes is idempotent. A VHDX's write GUIDs and
 * log are not touched (the log stays empty: the image was opened clean).
 */
export async function openSparseImageWriter(path: string): Promise<SparseImageWriter> {
  const image = await openDiskImage(path);
  try {
    if (image instanceof VhdxImage) return await VhdxWriter.open(path, image);
    if (image instanceof DynamicVhdImage) return await DynamicVhdWriter.open(path, image);
    throw new UnsupportedFormatError({ structure: 'disk image', field: 'format', offset: 0, expected: 'vhdx or vhd-dynamic', actual: image.format });
  } finally {
    await image.close();
  }
}

/** Splits `[offset, offset + length)` at block boundaries. */
function* pieces(offset: number, length: number, blockSize: number): Generator<{ block: number; inBlock: number; at: number; n: number }> {
  for (let done = 0; done < length;) {
    const v = offset + done;
    const block = Math.floor(v / blockSize);
    const inBlock = v - block * blockSize;
    const n = Math.min(length - done, blockSize - inBlock);
    yield { block, inBlock, at: done, n };
    done += n;
  }
}

async function pwrite(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length;) done += (await handle.write(data, done, data.length - done, position + done)).bytesWritten;
}

class VhdxWriter implements SparseImageWriter {
  readonly format = 'vhdx' as const;
  private readonly pendingBat = new Map<number, bigint>();

  private constructor(
    private readonly handle: FileHandle,
    readonly virtualSize: number,
    private readonly blockSize: number,
    private readonly offsets: (number | undefined)[],
    private readonly layout: { batOffset: number; chunkRatio: number },
    private fileEnd: number,
  ) {}

  static async open(path: string, image: VhdxImage): Promise<VhdxWriter> {
    const handle = await open(path, constants.O_RDWR);
    const size = (await handle.stat()).size;
    return new VhdxWriter(handle, image.virtualSize, image.blockSize, [...image.payloadBlockOffsets()], image.batLayout, size);
  }

  async write(virtualOffset: number, data: Buffer): Promise<void> {
    const n = Math.min(data.length, this.virtualSize - virtualOffset);
    for (const p of pieces(virtualOffset, n, this.blockSize)) {
      const piece = data.subarray(p.at, p.at + p.n);
      const stored = this.offsets[p.block];
      if (stored !== undefined) {
        await pwrite(this.handle, piece, stored + p.inBlock);
        continue;
      }
      // Payload blocks are whole MiB-aligned blocks (MS-VHDX 2.5.1): a new one at the end.
      const at = Math.ceil(this.fileEnd / MIB) * MIB;
      const block = Buffer.alloc(this.blockSize);
      piece.copy(block, p.inBlock);
      await pwrite(this.handle, block, at);
      this.fileEnd = at + this.blockSize;
      this.offsets[p.block] = at;
      this.pendingBat.set(vhdxPayloadIndex(p.block, this.layout.chunkRatio), (BigInt(at / MIB) << 20n) | BigInt(VhdxPayloadState.fullyPresent));
    }
  }

  async sync(): Promise<void> {
    await this.handle.sync();
    if (this.pendingBat.size === 0) return;
    const entry = Buffer.alloc(8);
    for (const [index, value] of this.pendingBat) {
      entry.writeBigUInt64LE(value);
      await pwrite(this.handle, entry, this.layout.batOffset + index * 8);
    }
    this.pendingBat.clear();
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

class DynamicVhdWriter implements SparseImageWriter {
  readonly format = 'vhd-dynamic' as const;
  private readonly pendingBat = new Map<number, number>();
  /** Sector bitmaps of stored blocks to write at sync, by block. */
  private readonly pendingBitmaps = new Map<number, Buffer>();

  private constructor(
    private readonly handle: FileHandle,
    readonly virtualSize: number,
    private readonly blockSize: number,
    private readonly bitmapBytes: number,
    private readonly offsets: (number | undefined)[],
    private readonly tableOffset: number,
    private readonly footer: Buffer,
    private footerAt: number,
  ) {}

  static async open(path: string, image: DynamicVhdImage): Promise<DynamicVhdWriter> {
    const handle = await open(path, constants.O_RDWR);
    const size = (await handle.stat()).size;
    const footer = Buffer.alloc(SECTOR);
    await handle.read(footer, 0, SECTOR, size - SECTOR);
    return new DynamicVhdWriter(handle, image.virtualSize, image.blockSize, image.sectorBitmapBytes, [...image.blockBitmapOffsets()], image.tableOffset, footer, size - SECTOR);
  }

  async write(virtualOffset: number, data: Buffer): Promise<void> {
    const n = Math.min(data.length, this.virtualSize - virtualOffset);
    for (const p of pieces(virtualOffset, n, this.blockSize)) {
      const piece = data.subarray(p.at, p.at + p.n);
      const stored = this.offsets[p.block];
      if (stored !== undefined) {
        await pwrite(this.handle, piece, stored + this.bitmapBytes + p.inBlock);
        await this.markSectors(p.block, stored, p.inBlock, p.n);
        continue;
      }
      // A new block where the footer was: every sector marked present (zeros around the data), then the footer after it.
      const at = this.footerAt;
      const block = Buffer.alloc(this.bitmapBytes + this.blockSize);
      block.fill(0xff, 0, this.bitmapBytes);
      piece.copy(block, this.bitmapBytes + p.inBlock);
      await pwrite(this.handle, block, at);
      this.footerAt = at + block.length;
      await pwrite(this.handle, this.footer, this.footerAt);
      this.offsets[p.block] = at;
      this.pendingBat.set(p.block, at / SECTOR);
    }
  }

  private async markSectors(block: number, stored: number, inBlock: number, n: number): Promise<void> {
    let bits = this.pendingBitmaps.get(block);
    if (!bits) {
      bits = Buffer.alloc(this.bitmapBytes);
      await this.handle.read(bits, 0, this.bitmapBytes, stored);
    }
    for (let s = Math.floor(inBlock / SECTOR); s < Math.ceil((inBlock + n) / SECTOR); s++) bits[s >> 3] |= 0x80 >> (s & 7);
    this.pendingBitmaps.set(block, bits);
  }

  async sync(): Promise<void> {
    await this.handle.sync();
    if (this.pendingBat.size === 0 && this.pendingBitmaps.size === 0) return;
    for (const [block, bits] of this.pendingBitmaps) await pwrite(this.handle, bits, this.offsets[block]!);
    const entry = Buffer.alloc(4);
    for (const [block, sector] of this.pendingBat) {
      entry.writeUInt32BE(sector);
      await pwrite(this.handle, entry, this.tableOffset + block * 4);
    }
    this.pendingBitmaps.clear();
    this.pendingBat.clear();
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
