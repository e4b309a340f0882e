import { app, InvocationContext, Timer } from '@azure/functions';
import { DiskExporter } from '../shared/recovery/service/DiskExporter';
import { replicationDepsFromEnv } from '../shared/replication';

/**
 * Every five minutes: delete disk exports (`disk-exports/`) whose download URL has expired, so
 * no exported disk stays at rest after it can no longer be fetched.
 */
app.timer('sweepDiskExports', {
  schedule: '0 */5 * * * *',
  handler: async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const deleted = await new DiskExporter(await replicationDepsFromEnv()).sweepExpired();
    if (deleted > 0) context.log(`disk exports: deleted ${deleted} expired export blob(s)`);
  },
});
