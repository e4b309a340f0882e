import { app, InvocationContext, Timer } from '@azure/functions';
import { replicationDepsFromEnv, rpoWatchFromEnv, sweepReplication } from '../../shared/replication';

/**
 * Every minute: merge what the blob trigger missed and report stuck gaps and lag on the
 * protected items' health; then judge every replicating item's RPO, raising an event when one
 * crosses a threshold or recovers. A singleton (one host runs it), so sweeps never overlap.
 */
app.timer('sweepReplication', {
  schedule: '0 */1 * * * *',
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const deps = await replicationDepsFromEnv();
    const report = await sweepReplication({ ...deps, log: (msg, details) => context.log(msg, details ?? '') });
    const problems = report.findings.filter((f) => f.problem);
    context.log(`replication sweep: ${report.disks} disk(s) with pending logs (${report.leftToTrigger} left to their triggers), ${problems.length} with problems` +
      (problems.length ? `: ${problems.map((f) => `${f.disk.item}/${f.disk.disk}=${f.problem}`).join(', ')}` : ''));
    const rpo = await (await rpoWatchFromEnv()).evaluate();
    if (rpo.changed.length > 0) {
      context.log(`RPO: ${rpo.changed.map((c) => `${c.item} ${c.from ?? 'within'} -> ${c.to ?? 'within'}`).join(', ')} (of ${rpo.items} item(s))`);
    }
  },
});
