import type { RecoveryJobDocument } from '../recovery/jobs/RecoveryJobDocument';
import type { AsrJobError, AsrTask } from '../recovery/plan/AsrJob';
import type { RecoveryPointChoice } from '../replication/journal/RecoveryPointChoice';
import type { ApprovalReport, DrillContext, ErrorReport, JobReport, MachineReport, ProbeReport, StepReport } from './JobReport';

/** Scenarios that bring machines up: their reports measure RPO and RTO. */
const RECOVERING = new Set(['TestFailover', 'PlannedFailover', 'UnplannedFailover', 'Failback']);

function ms(t: string | undefined): number | undefined {
  const v = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
}

function seconds(from: string | undefined, to: string | undefined): number | undefined {
  const a = ms(from);
  const b = ms(to);
  return a === undefined || b === undefined ? undefined : Math.max(0, Math.round((b - a) / 100) / 10);
}

function latest(times: (string | undefined)[]): string | undefined {
  return times.filter((t): t is string => ms(t) !== undefined).sort((a, b) => ms(a)! - ms(b)!).pop();
}

function describePoint(p: RecoveryPointChoice | undefined): string {
  if (!p) return 'Latest';
  if (p.kind === 'Point') return `recovery point ${p.pointId}`;
  if (p.kind === 'Time') return `the state at ${p.time}`;
  return p.kind;
}

/** Task with its parent group, in document order. */
function flatten(tasks: AsrTask[], parent?: string): { task: AsrTask; parent?: string }[] {
  return tasks.flatMap((t) => [{ task: t, parent }, ...flatten(t.groupTaskCustomDetails?.childTasks ?? [], t.taskId)]);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function probesOf(details: Record<string, unknown>): ProbeReport[] {
  const raw = Array.isArray(details.probes) ? details.probes as Record<string, unknown>[] : [];
  return raw.map((p) => ({
    machine: str(p.machine) ?? '', probe: str(p.probe) ?? '', ok: p.ok === true, expected: str(p.expected) ?? '', got: str(p.got) ?? '',
    ...(str(p.at) ? { at: str(p.at) } : {}),
  }));
}

function machineOf(task: AsrTask, requestedAt: string): MachineReport {
  const d = (task.customDetails ?? {}) as Record<string, unknown>;
  const jobTask = (d.jobTask ?? {}) as Record<string, unknown>;
  const disks = (Array.isArray(d.disks) ? d.disks as Record<string, unknown>[] : []).map((x) => ({ name: str(x.name) ?? '', ...(str(x.pointTime) ? { pointTime: str(x.pointTime) } : {}) }));
  const times = disks.map((x) => x.pointTime).filter((t): t is string => ms(t) !== undefined).sort((a, b) => ms(a)! - ms(b)!);
  const pointTime = times[0];
  return {
    taskId: task.taskId,
    item: task.name,
    ...(str(jobTask.targetObjectId) ? { itemId: str(jobTask.targetObjectId) } : {}),
    ...(str(d.machineName) ? { machineName: str(d.machineName) } : {}),
    state: task.state,
    ...(task.startTime ? { startTime: task.startTime } : {}),
    ...(task.state === 'Succeeded' && task.endTime ? { upAt: task.endTime } : {}),
    ipAddresses: Array.isArray(d.ipAddresses) ? (d.ipAddresses as unknown[]).filter((x): x is string => typeof x === 'string') : [],
    ...(pointTime ? { pointTime, rpoSeconds: seconds(pointTime, requestedAt) } : {}),
    disks,
    probes: probesOf(d),
  };
}

function approvalOf(task: AsrTask): ApprovalReport {
  const d = (task.customDetails ?? {}) as Record<string, unknown>;
  return {
    taskId: task.taskId,
    action: str(d.name) ?? task.name,
    instructions: str(d.instructions) ?? task.friendlyName,
    state: task.state,
    comment: str(d.observation) ?? '',
    ...(str(d.resumedBy) ? { approvedBy: str(d.resumedBy) } : {}),
    ...(task.state === 'Succeeded' && task.endTime ? { at: task.endTime } : {}),
  };
}

function errorOf(e: AsrJobError, taskId?: string): ErrorReport {
  const s = e.serviceErrorDetails;
  return { ...(e.taskId ?? taskId ? { taskId: e.taskId ?? taskId } : {}), code: s.code, message: s.message, possibleCauses: s.possibleCauses, recommendedAction: s.recommendedAction, at: e.creationTime };
}

/**
 * The report of one job (pure: the job document and the time it is made in, nothing else).
 * RPO per machine = request time − the oldest point its disks came from; RTO = request → the
 * last machine up, or → the last probe passed when probes ran. A test failover that waits for
 * its cleanup has done what it was for: it counts as Passed once every machine is up.
 */
export function buildJobReport(doc: RecoveryJobDocument, options: { now: Date; drill?: DrillContext }): JobReport {
  const p = doc.properties;
  const requestedAt = p.startTime;
  const all = flatten(p.tasks);
  const machineTasks = all.filter((x) => x.task.taskType === 'VmTask').map((x) => x.task);
  const machines = machineTasks.map((t) => machineOf(t, requestedAt));
  const steps: StepReport[] = all.map(({ task, parent }) => ({
    taskId: task.taskId, name: task.friendlyName || task.name, taskType: task.taskType, ...(parent ? { parent } : {}), state: task.state,
    description: task.stateDescription,
    ...(task.startTime ? { startTime: task.startTime } : {}), ...(task.endTime ? { endTime: task.endTime } : {}),
    ...(task.startTime && task.endTime ? { durationSeconds: seconds(task.startTime, task.endTime) } : {}),
  }));
  const approvals = all.map((x) => x.task)
    .filter((t) => t.taskType === 'ManualActionTask' && (t.customDetails as Record<string, unknown> | undefined)?.instanceType === 'ManualActionTaskDetails')
    .map(approvalOf);
  const seen = new Set<string>();
  const errors = [...all.flatMap((x) => x.task.errors.map((e) => errorOf(e, x.task.taskId))), ...p.errors.map((e) => errorOf(e))].filter((e) => {
    const key = `${e.taskId ?? ''}|${e.code}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const recovering = RECOVERING.has(p.scenarioName);
  const allUp = machines.length > 0 && machines.every((m) => m.state === 'Succeeded');
  const lastMachineUpAt = recovering && allUp ? latest(machines.map((m) => m.upAt)) : undefined;
  const probes = machines.flatMap((m) => m.probes);
  const probesPassed = probes.every((x) => x.ok);
  const lastProbePassedAt = recovering && allUp && probes.length > 0 && probesPassed ? latest(probes.map((x) => x.at)) : undefined;
  const rtoEnd = lastProbePassedAt ?? lastMachineUpAt;
  const waitsForCleanup = p.scenarioName === 'TestFailover' && p.state === 'Suspended' && p.stateDescription === 'WaitingForStopTestFailover';
  const failed = p.state === 'Failed' || p.state === 'Cancelled' || errors.length > 0 || !probesPassed || machines.some((m) => m.state === 'Failed');
  const jobOutcome: JobReport['outcome'] = failed ? 'Failed' : p.state === 'Succeeded' || (waitsForCleanup && allUp) ? 'Passed' : 'InProgress';
  // A drill's verdict also counts what came after the test failover (a failed cleanup leaves machines behind).
  const drillResult = options.drill?.result;
  const outcome: JobReport['outcome'] = jobOutcome === 'Failed' || drillResult === 'Failed' ? 'Failed' : drillResult && drillResult !== 'Passed' ? 'InProgress' : jobOutcome;
  const pointTimes = machines.map((m) => m.pointTime).filter((t): t is string => t !== undefined).sort((a, b) => ms(a)! - ms(b)!);

  return {
    reportVersion: 1,
    generatedAt: options.now.toISOString(),
    job: {
      id: doc.armId, name: doc.name, scenario: p.scenarioName, friendlyName: p.friendlyName, state: p.state, stateDescription: p.stateDescription,
      startTime: p.startTime, ...(p.endTime ? { endTime: p.endTime } : {}),
    },
    target: { type: p.targetInstanceType, id: p.targetObjectId, name: p.targetObjectName },
    outcome,
    point: { requested: describePoint(doc.recovery?.input?.point), ...(pointTimes[0] ? { time: pointTimes[0] } : {}) },
    rto: {
      requestedAt,
      ...(lastMachineUpAt ? { lastMachineUpAt } : {}),
      ...(lastProbePassedAt ? { lastProbePassedAt } : {}),
      ...(rtoEnd ? { seconds: seconds(requestedAt, rtoEnd), measuredTo: lastProbePassedAt ? 'lastProbePassed' as const : 'lastMachineUp' as const } : {}),
    },
    machines,
    steps,
    approvals,
    errors,
    ...(options.drill ? { drill: options.drill } : {}),
  };
}
