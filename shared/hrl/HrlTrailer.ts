/** The end of a log, verified before the log counts as complete. */
export interface HrlTrailer {
  recordCount: number;
  payloadBytes: number;
  /** CRC-32C chaining header, record CRCs and trailer (see shared/hrl/HrlLogChecksum). */
  logChecksum: number;
  /** Total bytes of the log, trailer included. */
  logLength: number;
}
