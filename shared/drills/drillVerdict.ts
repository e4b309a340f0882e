import { allTasks, type AsrJobProperties } from '../recovery/plan/AsrJob';
import type { DrillVerification } from '../recovery/plan/DrillJobOptions';
import type { DrillCheck, DrillMachineResult, DrillResult } from './DrillRunRecord';

export interface DrillVerdict {
  result: Extract<DrillResult, 'Passed' | 'Failed'>;
  reason: string;
  verifiedLevel: DrillVerification;
  machines: DrillMachineResult[];
  failures: { machine: string; check: string; detail: string }[];
}

const LEVELS: DrillVerification[] = ['Disks', 'Boot', 'ApplicationProbes'];

/**
 * The drill's verdict from its test failover job: a machine passes when its task succeeded and
 * every check the fabric ran passed (the job fails a machine with a failed check, so a failed
 * job names the machine and the check). `verifiedLevel` says what was really proven: the local
 * fabric checks disks only, a booting fabric adds the console's ready line, and probes count
 * only for items that define them.
 */
export function drillVerdictOf(job: AsrJobProperties, waitingForCleanup: boolean, requested: DrillVerification): DrillVerdict {
  const machines: DrillMachineResult[] = allTasks(job.tasks).filter((t) => t.taskType === 'VmTask').map((t) => {
    const d = (t.customDetails ?? {}) as { machineName?: string; checks?: DrillCheck[]; disks?: { pointTime?: string }[] };
    const checks = (d.checks ?? []).map((c) => ({ name: c.name, ok: c.ok, detail: c.detail }));
    const times = (d.disks ?? []).map((x) => x.pointTime).filter((x): x is string => !!x).sort();
    return {
      item: t.name, ...(d.machineName ? { machineName: d.machineName } : {}), state: t.state,
      ...(times.length ? { recoveryPointTime: times[times.length - 1] } : {}),
      checks, probes: checks.filter((c) => c.name.startsWith('probe ')).map((c) => ({ ...c, name: c.name.slice('probe '.length) })),
    };
  });
  const failures = machines.flatMap((m) => m.checks.filter((c) => !c.ok).map((c) => ({ machine: m.machineName ?? m.item, check: c.name, detail: c.detail })));
  const booted = machines.length > 0 && machines.every((m) => m.checks.some((c) => c.name === 'serialConsole' && c.ok));
  const probed = booted && machines.some((m) => m.probes.length > 0);
  const reached: DrillVerification = probed ? 'ApplicationProbes' : booted ? 'Boot' : 'Disks';
  const verifiedLevel = LEVELS[Math.min(LEVELS.indexOf(reached), LEVELS.indexOf(requested))];
  if (!waitingForCleanup || job.state === 'Failed' || job.state === 'Cancelled') {
    const error = job.errors[job.errors.length - 1]?.serviceErrorDetails;
    const named = failures.length ? failures.map((f) => `machine ${f.machine}, ${f.check}: ${f.detail}`).join('; ') : undefined;
    return {
      result: 'Failed', verifiedLevel, machines, failures,
      reason: named ?? (error ? `test failover ${job.state.toLowerCase()}: ${error.code}: ${error.message}` : `test failover ended ${job.state}`),
    };
  }
  const weaker = verifiedLevel !== requested
    ? `; asked for ${requested}, verified ${verifiedLevel} (${reached === 'Disks' ? 'the target fabric does not boot machines' : 'no item of the plan defines application probes'})`
    : '';
  return { result: 'Passed', verifiedLevel, machines, failures, reason: `${machines.length} machine(s) recovered and verified${weaker}` };
}
