import type { JobReport } from './JobReport';

/** One table of a report: the same rows feed the workbook's sheets and the HTML sections. */
export interface ReportTable {
  title: 'Summary' | 'Machines' | 'Steps' | 'Approvals' | 'Errors' | 'Drill checks';
  columns: string[];
  rows: (string | number | boolean | undefined)[][];
}

/**
 * The report as five tables (Summary, Machines, Steps, Approvals, Errors), and a sixth, Drill
 * checks, for a drill: one layout for both renderers, so the workbook and the HTML cannot disagree.
 */
export function reportTables(r: JobReport): ReportTable[] {
  const summary: [string, string | number | undefined][] = [
    ['Job', r.job.name],
    ['Scenario', r.job.scenario],
    ['Target', `${r.target.type} ${r.target.name}`],
    ['Result', r.outcome],
    ['Job state', `${r.job.state} (${r.job.stateDescription})`],
    ['Requested', r.rto.requestedAt],
    ['Ended', r.job.endTime],
    ['Recovery point requested', r.point.requested],
    ['Recovery point time', r.point.time],
    ['Worst RPO (s)', r.machines.reduce<number | undefined>((m, x) => (x.rpoSeconds === undefined ? m : Math.max(m ?? 0, x.rpoSeconds)), undefined)],
    ['RTO (s)', r.rto.seconds],
    ['RTO measured to', r.rto.measuredTo === 'lastProbePassed' ? 'last probe passed' : r.rto.measuredTo === 'lastMachineUp' ? 'last machine up' : undefined],
    ['Last machine up', r.rto.lastMachineUpAt],
    ['Last probe passed', r.rto.lastProbePassedAt],
    ['Machines', r.machines.length],
    ['Probes passed', `${r.machines.flatMap((m) => m.probes).filter((p) => p.ok).length} of ${r.machines.flatMap((m) => m.probes).length}`],
    ['Errors', r.errors.length],
    ...(r.drill ? [
      ['Drill', r.drill.id], ['Drill schedule', r.drill.scheduleName], ['Drill trigger', r.drill.trigger], ['Drill due', r.drill.dueTime],
      ['Drill ended', r.drill.endTime], ['Drill result', r.drill.result], ['Drill reason', r.drill.reason],
      ['Verification asked', r.drill.verification], ['Verification proven', r.drill.verifiedLevel], ['Kept up (s)', r.drill.keepUpSeconds],
      ['Cleanup job', r.drill.cleanupJobId], ['Cleanup state', r.drill.cleanupState],
    ] as [string, string | number | undefined][] : []),
    ['Report made', r.generatedAt],
  ];
  return [
    { title: 'Summary', columns: ['Field', 'Value'], rows: summary },
    {
      title: 'Machines',
      columns: ['Item', 'Machine', 'State', 'Point time', 'RPO (s)', 'Up at', 'IP addresses', 'Probe', 'Probe passed', 'Expected', 'Got', 'Probe at'],
      rows: r.machines.flatMap((m) => {
        const base = [m.item, m.machineName, m.state, m.pointTime, m.rpoSeconds, m.upAt, m.ipAddresses.join(', ')];
        return m.probes.length === 0 ? [[...base, undefined, undefined, undefined, undefined, undefined]] : m.probes.map((p) => [...base, p.probe, p.ok, p.expected, p.got, p.at]);
      }),
    },
    {
      title: 'Steps',
      columns: ['Task', 'Step', 'Type', 'Group', 'State', 'Started', 'Ended', 'Duration (s)', 'Description'],
      rows: r.steps.map((s) => [s.taskId, s.name, s.taskType, s.parent, s.state, s.startTime, s.endTime, s.durationSeconds, s.description]),
    },
    {
      title: 'Approvals',
      columns: ['Task', 'Action', 'Instructions', 'State', 'Approved by', 'At', 'Comment'],
      rows: r.approvals.map((a) => [a.taskId, a.action, a.instructions, a.state, a.approvedBy, a.at, a.comment]),
    },
    {
      title: 'Errors',
      columns: ['Task', 'Code', 'Message', 'Possible causes', 'Recommended action', 'At'],
      rows: r.errors.map((e) => [e.taskId, e.code, e.message, e.possibleCauses, e.recommendedAction, e.at]),
    },
    ...(r.drill ? [{
      title: 'Drill checks' as const,
      columns: ['Machine', 'Check', 'Passed', 'Detail'],
      rows: r.drill.checks.map((c) => [c.machine, c.check, c.ok, c.detail]),
    }] : []),
  ];
}
