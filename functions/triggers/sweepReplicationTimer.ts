import { app, InvocationContext, Timer } from '@azure/functions';
import { replicationDepsFromEnv, sweepReplication } from '../../shared/replication';

/**
 * Every minute: merge what the blob trigger missed and report stuck gaps and lag on the
 * protected items' health. A singleton (one host runs it), so sweeps never overlap.
 */
app.timer('sweepReplication', {
  schedule: '0 */1 * * * *',
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const deps = await replicationDepsFromEnv();
    const report = await sweepReplication({ ...deps, log: (msg, details) => context.log(msg, details ?? '') });
    const problems = report.findings.filter((f) => f.problem);
    context.log(`replication sweep: ${report.disks} disk(s) with pending logs, ${problems.length} with problems` +
      (problems.length ? `: ${problems.map((f) => `${f.disk.item}/${f.disk.disk}=${f.problem}`).join(', ')}` : ''));
  },
});
