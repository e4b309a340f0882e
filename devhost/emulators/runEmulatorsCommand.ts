import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningEmulators, startEmulators } from './startEmulators';

/** Where a data directory's running emulators say how to reach them (for the CLI and agent). */
export const SETTINGS_FILE = 'emulators.json';

/** Options of `funclocal emulators` and of the emulators process (`main.js`). */
export interface EmulatorsCommandOptions {
  /** Data directory; in memory only when omitted. */
  data?: string;
  host?: string;
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  cosmosPort?: number;
  serviceBusPort?: number;
  serviceBusConfig?: string;
  /** Journal size in bytes that triggers compaction while running. */
  cosmosCompactAt?: number;
}

/** The one stdout line that tells a parent process the emulators are up, and where. */
export const READY_PREFIX = '{"ready":true,';

/**
 * Runs the emulators as the whole process: human lines on stderr, exactly one JSON line
 * `{"ready":true,"settings":{...}}` on stdout once everything listens, a clean stop (Azurite
 * saves, the journal closes) on SIGTERM/SIGINT, and a one-line error + exit code 1 when a port
 * is taken or the data directory is unusable.
 */
export async function runEmulatorsCommand(opts: EmulatorsCommandOptions): Promise<RunningEmulators | undefined> {
  const log = (line: string) => process.stderr.write(`emulators: ${line}\n`);
  let running: RunningEmulators;
  try {
    running = await startEmulators({
      dataDir: opts.data, host: opts.host, blobPort: opts.blobPort, queuePort: opts.queuePort,
      tablePort: opts.tablePort, cosmosPort: opts.cosmosPort, serviceBusPort: opts.serviceBusPort, serviceBusConfig: opts.serviceBusConfig, cosmosCompactAtBytes: opts.cosmosCompactAt, log,
      // Azurite's thread died: fail-stop, as the one-thread process did when Azurite threw.
      onCrash: (err) => {
        process.stderr.write(`emulators: error: ${err.message}\n`);
        process.exit(1);
      },
    });
  } catch (err) {
    process.stderr.write(`emulators: error: ${(err as Error).message}\n`);
    // Azurite may hold timers and half-open stores; nothing is listening, so leave now.
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    log(`${signal} received, stopping`);
    running.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`emulators: error while stopping: ${err.message}\n`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  if (opts.data) {
    const file = join(opts.data, SETTINGS_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, ...running.settings }, null, 2));
    renameSync(`${file}.tmp`, file);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, settings: running.settings })}\n`);
  log(`ready (pid ${process.pid})`);
  return running;
}
