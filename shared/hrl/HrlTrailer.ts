/** The end of a log, verified before the log counts as complete. */
export interface HrlTrailer {
  recordCount: number;
  payloadBytes: number;
  /** CRC-32C chaining header, record headers and trailer (see docs/hrl-format.md). */
  logChecksum: number;
  /** Total bytes of the log, trailer included. */
  logLength: number;
}
