/**
 * ASR's `HyperVReplicaAzureFailback` provider input of a failback (a planned failover with
 * `failoverDirection: RecoveryToPrimary`), as the job carries it.
 */
export interface FailbackOptions {
  /** `ForSynchronization`: ship while the recovered machine runs, then a final delta; `ForDownTime`: shut down first, one delta. */
  dataSyncOption: 'ForDownTime' | 'ForSynchronization';
  /** `CreateVmIfNotFound`: the source disk is gone; the data goes to a new disk at `alternateLocation`. */
  recoveryVmCreationOption: 'CreateVmIfNotFound' | 'NoAction';
  /** Our extension: the absolute directory on the primary host where a new disk is written (CreateVmIfNotFound). */
  alternateLocation?: string;
}
