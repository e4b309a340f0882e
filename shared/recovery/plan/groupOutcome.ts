import type { RecoveredMachineInfo } from '../../automation/policy/buildRecoveryPlanContext';
import type { AsrServiceErrorDetails } from './AsrJob';
import type { MachineTaskResult } from './MachineTask';
import type { PlanItemRef } from './PlanSnapshot';

/** How a group ended, from its machines' results (in the order of `machines`). */
export interface GroupOutcome {
  /** The machines that came up, for the runbook context of later actions. */
  recovered: RecoveredMachineInfo[];
  /** A machine saw the job's cancel request: the job ends Cancelled. */
  cancelled: boolean;
  /** Some machines failed: the first one's error, with every failed machine named in the message. */
  error?: AsrServiceErrorDetails;
}

export function groupOutcome(groupName: string, machines: { item: PlanItemRef }[], results: MachineTaskResult[]): GroupOutcome {
  const recovered = results.flatMap((r) => (r.ok && r.machine ? [r.machine] : []));
  const failed = results.flatMap((r, i) => (r.ok ? [] : [{ error: r.error, name: machines[i].item.name }]));
  if (failed.some((f) => f.error.code === 'JobCancelled')) return { recovered, cancelled: true };
  if (failed.length === 0) return { recovered, cancelled: false };
  return {
    recovered,
    cancelled: false,
    error: {
      ...failed[0].error,
      message: `${failed.length} of ${machines.length} virtual machines of ${groupName} failed: ${failed.map((f) => `${f.name}: ${f.error.message}`).join('; ')}`,
    },
  };
}
