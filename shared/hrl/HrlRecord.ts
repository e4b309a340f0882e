/** One write of the log: `length` bytes at disk byte `offset`, as stored (ciphertext if encrypted). */
export interface HrlRecord {
  /** Disk byte offset, a multiple of 4096. */
  offset: number;
  /** Payload length, a positive multiple of 4096, at most 64 MiB. */
  length: number;
  /** The stored bytes; a view into the input where possible, not a copy. */
  payload: Buffer;
  /** Absolute offset of the record header in the log, for error messages and quarantine. */
  logOffset: number;
}
