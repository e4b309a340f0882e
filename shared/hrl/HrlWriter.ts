import { DATA_UNIT_SIZE } from '../crypto/dataUnit';
import { encryptDataUnits } from '../crypto/xtsDataUnits';
import { keyFingerprint } from '../crypto/keyFingerprint';
import {
  HRL_ENCRYPTION_AES256_XTS_PLAIN64,
  HRL_ENCRYPTION_NONE,
  HRL_FLAG_APPLICATION_CONSISTENT,
  HRL_FLAG_FINAL_PLANNED_FAILOVER,
  HRL_FLAG_PARTIAL_SEED,
  HRL_FORMAT_VERSION,
  HRL_MAX_ID_BYTES,
} from './hrlConstants';
import { HrlHeader, HrlHeaderInit } from './HrlHeader';
import { HrlHeaderToken } from './HrlHeaderToken';
import { HrlRecordHeaderToken } from './HrlRecordHeaderToken';
import { HrlTrailerToken } from './HrlTrailerToken';
import { HrlValidator } from './HrlValidator';
import { HrlWriteRejectedError } from './HrlWriteRejectedError';

export interface HrlWriterOptions {
  /** 64-byte AES-256-XTS key: payloads are stored encrypted and the header carries its fingerprint. */
  key?: Uint8Array;
}

/**
 * Streaming writer: each call returns the Buffers to append, in order (the header comes with the
 * first call). Records must ascend by offset without overlap; offsets and lengths are multiples
 * of 4096. Every part is checked by the same {@link HrlValidator} a reader uses, so a writer
 * never emits a log a reader rejects. Plain payloads are emitted as given (not copied): do not
 * change them until written.
 */
export class HrlWriter {
  readonly header: HrlHeader;
  private readonly validator = new HrlValidator();
  private pendingHeader?: Buffer;
  private finished = false;
  private readonly key?: Uint8Array;

  constructor(init: HrlHeaderInit, options: HrlWriterOptions = {}) {
    this.key = options.key;
    try {
      const idParts = [init.vaultId, init.protectedItemId, init.diskId].map((id) => Buffer.from(id, 'utf8'));
      idParts.forEach((p) => {
        if (p.length === 0 || p.length > HRL_MAX_ID_BYTES) throw new RangeError(`identifier of ${p.length} UTF-8 bytes (1..${HRL_MAX_ID_BYTES})`);
      });
      if (init.diskDigest.length !== 32) throw new RangeError(`diskDigest of ${init.diskDigest.length} bytes, not 32`);
      const encrypted = options.key !== undefined;
      const bytes = HrlHeaderToken.put({
        formatVersion: HRL_FORMAT_VERSION,
        flags:
          (init.consistency === 'application' ? HRL_FLAG_APPLICATION_CONSISTENT : 0) |
          (init.finalPlannedFailover ? HRL_FLAG_FINAL_PLANNED_FAILOVER : 0) |
          (init.partialSeed ? HRL_FLAG_PARTIAL_SEED : 0),
        sequence: init.sequence,
        epoch: init.epoch,
        virtualSize: BigInt(init.virtualSize),
        cutTimeMs: BigInt(init.cutTimeMs),
        dataUnitSize: DATA_UNIT_SIZE,
        encryptionMode: encrypted ? HRL_ENCRYPTION_AES256_XTS_PLAIN64 : HRL_ENCRYPTION_NONE,
        keyFingerprint: encrypted ? Buffer.from(keyFingerprint(options.key!), 'hex') : Buffer.alloc(32),
        diskDigest: init.diskDigest,
        idParts,
      });
      this.header = this.validator.acceptHeader(bytes);
      this.pendingHeader = bytes;
    } catch (cause) {
      throw new HrlWriteRejectedError('the log header', cause);
    }
  }

  /** Adds the write of `payload` (plaintext) at disk byte `offset`; returns the bytes to append. */
  addRecord(offset: number, payload: Uint8Array): Buffer[] {
    this.assertOpen();
    let stored: Buffer;
    let recordHeader: Buffer;
    try {
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset ${offset} is not a byte offset`);
      stored = this.key ? encryptDataUnits(this.key, payload, offset) : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
      recordHeader = HrlRecordHeaderToken.put(offset, stored);
      this.validator.payloadLength(recordHeader, 0);
      this.validator.acceptRecord(recordHeader, 0, stored);
    } catch (cause) {
      throw new HrlWriteRejectedError(`the record at offset ${offset} (${payload.length} bytes)`, cause);
    }
    return [...this.takeHeader(), recordHeader, stored];
  }

  /** Ends the log; returns the last bytes to append (the trailer, and the header if no records). */
  finish(): Buffer[] {
    this.assertOpen();
    this.finished = true;
    let checksum = 0;
    const trailer = HrlTrailerToken.put(this.validator.recordCountSoFar, this.validator.payloadBytesSoFar, (prefix) => {
      checksum = this.validator.logChecksumWith(prefix);
      return checksum;
    });
    this.validator.acceptTrailer(trailer);
    return [...this.takeHeader(), trailer];
  }

  private takeHeader(): Buffer[] {
    const h = this.pendingHeader;
    this.pendingHeader = undefined;
    return h ? [h] : [];
  }

  private assertOpen(): void {
    if (this.finished) throw new HrlWriteRejectedError('after finish()', new Error('the log is already finished'));
  }
}
