/**
 * What ASR passes to a runbook as `RecoveryPlanContext` (PascalCase, as ASR's runbooks read it),
 * plus `callbackUrl`: ASR itself waits for the Automation job to end, we cannot see Automation
 * jobs on a laptop, so the runbook reports its outcome by POSTing to that URL.
 * @see https://learn.microsoft.com/azure/site-recovery/site-recovery-runbook-automation
 */
export interface RecoveryPlanContext {
  RecoveryPlanName: string;
  /** `Test`, `Planned` or `Unplanned` (ASR's spelling in the context, not the API's). */
  FailoverType: 'Test' | 'Planned' | 'Unplanned';
  /** `PrimaryToSecondary` or `SecondaryToPrimary` (ASR's spelling in the context). */
  FailoverDirection: 'PrimaryToSecondary' | 'SecondaryToPrimary';
  /** `Group1`, `Group2`…, or `Shutdown` / `Failover` / `Boot`. */
  GroupId: string;
  /** Machines of the plan that the failover has brought up so far, by protected item id. */
  VmMap: Record<string, RecoveryPlanVm>;
  /** POST `{status, output?}` here once; the URL carries a single-use signed token. */
  callbackUrl: string;
  /** When the service stops waiting (ISO 8601); after that the callback is refused. */
  callbackExpiresAt: string;
}

/** One machine of `VmMap`: ASR's fields plus the new machine's name and IPs. */
export interface RecoveryPlanVm {
  SubscriptionId: string;
  ResourceGroupName: string;
  /** The recovered machine's name (ASR: `RoleName`). */
  RoleName: string;
  /** Same as `RoleName`; spelled out because runbooks written for us read it. */
  VmName: string;
  /** Private IPs of the recovered machine, primary NIC first. */
  IPAddresses: string[];
  RecoveryPointId: string;
  RecoveryPointTime: string;
}

/** API failover type -> the context's spelling. */
export function contextFailoverType(type: 'TestFailover' | 'PlannedFailover' | 'UnplannedFailover'): RecoveryPlanContext['FailoverType'] {
  return type === 'TestFailover' ? 'Test' : type === 'PlannedFailover' ? 'Planned' : 'Unplanned';
}

/** API failover direction -> the context's spelling. */
export function contextFailoverDirection(direction: 'PrimaryToRecovery' | 'RecoveryToPrimary'): RecoveryPlanContext['FailoverDirection'] {
  return direction === 'PrimaryToRecovery' ? 'PrimaryToSecondary' : 'SecondaryToPrimary';
}
