import { contextFailoverDirection, contextFailoverType, RecoveryPlanContext, RecoveryPlanVm } from './RecoveryPlanContext';

/** One recovered machine as the orchestrator knows it after the group's failover. */
export interface RecoveredMachineInfo {
  /** Protected item id (the `VmMap` key). */
  item: string;
  resourceGroup: string;
  machineName: string;
  ips: string[];
  recoveryPointId: string;
  recoveryPointTime: string;
}

/**
 * Assembles the context a runbook receives (ASR's shape plus names and IPs); the callback is
 * added when it is signed. `groupId` may be the group's display name: ASR's `GroupId` has no
 * blanks (`Group 2` → `Group2`).
 */
export function buildRecoveryPlanContext(input: {
  plan: string;
  failoverType: 'TestFailover' | 'PlannedFailover' | 'UnplannedFailover';
  failoverDirection: 'PrimaryToRecovery' | 'RecoveryToPrimary';
  groupId: string;
  subscriptionId: string;
  machines: RecoveredMachineInfo[];
}): Omit<RecoveryPlanContext, 'callbackUrl' | 'callbackExpiresAt'> {
  const vmMap: Record<string, RecoveryPlanVm> = {};
  for (const m of input.machines) {
    vmMap[m.item] = {
      SubscriptionId: input.subscriptionId,
      ResourceGroupName: m.resourceGroup,
      RoleName: m.machineName,
      VmName: m.machineName,
      IPAddresses: [...m.ips],
      RecoveryPointId: m.recoveryPointId,
      RecoveryPointTime: m.recoveryPointTime,
    };
  }
  return {
    RecoveryPlanName: input.plan,
    FailoverType: contextFailoverType(input.failoverType),
    FailoverDirection: contextFailoverDirection(input.failoverDirection),
    GroupId: input.groupId.replace(/\s+/g, ''),
    VmMap: vmMap,
  };
}
