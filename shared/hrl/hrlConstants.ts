/**
 * Fixed values of the HRL format, version 1.
 * @see docs/hrl-format.md
 */

/** File magic: 0x89 'HRL' CR LF SUB LF — like PNG's, it catches 7-bit and newline mangling. */
export const HRL_MAGIC = Buffer.from([0x89, 0x48, 0x52, 0x4c, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The only format version this reader understands. */
export const HRL_FORMAT_VERSION = 1;
/** Record header tag, ASCII `HRLR` read as little-endian uint32. */
export const HRL_RECORD_TAG = 0x524c5248;
/** Trailer tag, ASCII `HRLT` read as little-endian uint32. */
export const HRL_TRAILER_TAG = 0x544c5248;
/** Largest record payload: bounds every allocation a reader makes. */
export const HRL_MAX_RECORD_LENGTH = 64 * 1024 * 1024;
/** Largest disk a log may describe (Azure's page blob limit is 8 TiB; this leaves headroom). */
export const HRL_MAX_VIRTUAL_SIZE = 64 * 1024 ** 4;
/** Granularity of the disk's virtual size (a sector). */
export const HRL_SECTOR_SIZE = 512;
/** Largest identifier (vault, protected item, disk), in UTF-8 bytes. */
export const HRL_MAX_ID_BYTES = 255;
/** Flag bits of the header `flags` field. */
export const HRL_FLAG_APPLICATION_CONSISTENT = 0x1;
export const HRL_FLAG_FINAL_PLANNED_FAILOVER = 0x2;
/** A seed log after which the replica is still incomplete: more of the seed follows. */
export const HRL_FLAG_PARTIAL_SEED = 0x4;
export const HRL_KNOWN_FLAGS = HRL_FLAG_APPLICATION_CONSISTENT | HRL_FLAG_FINAL_PLANNED_FAILOVER | HRL_FLAG_PARTIAL_SEED;
/** Encryption modes of the header `encryptionMode` field. */
export const HRL_ENCRYPTION_NONE = 0;
export const HRL_ENCRYPTION_AES256_XTS_PLAIN64 = 1;
