import { Command } from 'commander';
import { AsrApiClient } from '../api/AsrApiClient';
import { invalidArgument, runCommand } from '../api/runCommand';
import { createProgressReporter, ProgressReporter } from '../progress/ProgressReporter';
import { formatBytes } from '../progress/formatBytes';
import { agentChannelFromEnv, configureTracking, CycleReport, defaultStateDir, ensureSiteIdentity, protectItem, RepairNotice, runAgent, syncFailback, syncItem } from '../../shared/agent';
import type { FailbackServeResult } from '../../shared/agent';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
};

/** One progress bar over all disks: `done` per disk, summed. */
function diskProgress(label: string): { onProgress(diskId: string, done: number, total: number): void; finish(): void; abort(): void } {
  const done = new Map<string, number>();
  const totals = new Map<string, number>();
  let bar: ProgressReporter | undefined;
  return {
    onProgress(diskId, d, total) {
      if (!totals.has(diskId)) {
        totals.set(diskId, total);
        bar?.abort();
        bar = createProgressReporter({ label, total: [...totals.values()].reduce((a, b) => a + b, 0) });
      }
      done.set(diskId, d);
      bar!.update([...done.values()].reduce((a, b) => a + b, 0));
    },
    finish: () => bar?.finish(),
    abort: () => bar?.abort(),
  };
}

function describeCycle(r: CycleReport): string {
  const lines = r.disks.map((d) =>
    `  ${d.diskId}: log ${d.sequence}, ${d.changedBlocks} changed blocks${d.divergedBlocks !== undefined ? ` (${d.divergedBlocks} differing from the replica)` : ''} in ${d.records} records (${formatBytes(d.payloadBytes)}), ` +
    (d.skippedByStamp ? 'untouched since the last cut (not read)' : `read ${formatBytes(d.bytesRead)}`) +
    (d.tracking ? ` (${d.tracking.kind}: ${d.tracking.fullScan ? `full scan${d.tracking.reason ? `, ${d.tracking.reason}` : ''}` : 'dirty ranges only'}${d.tracking.missedBlocks ? `, ${d.tracking.missedBlocks} blocks the tracker missed` : ''})` : ''));
  const head = r.repairEpoch !== undefined ? `repair (epoch ${r.repairEpoch}) cut ${new Date(r.cutTimeMs).toISOString()}` : `cut ${new Date(r.cutTimeMs).toISOString()}`;
  return [`${head}: uploaded ${formatBytes(r.bytesUploaded)}`, ...lines].join('\n');
}

/** `--json`: one JSON object per line on stdout (JSON Lines), each with an `event`; see docs/agent.md. */
function jsonLine(event: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** A cycle as `--json` prints it: the cut, bytes uploaded, and per disk what was shipped. */
function cycleJson(r: CycleReport): Record<string, unknown> {
  return {
    cutTime: new Date(r.cutTimeMs).toISOString(),
    bytesUploaded: r.bytesUploaded,
    disks: r.disks.map((d) => ({
      diskId: d.diskId, sequence: d.sequence, changedBlocks: d.changedBlocks, records: d.records,
      payloadBytes: d.payloadBytes, bytesRead: d.bytesRead, skippedByStamp: d.skippedByStamp,
      ...(d.divergedBlocks !== undefined ? { divergedBlocks: d.divergedBlocks } : {}),
      ...(d.tracking ? { tracking: d.tracking } : {}),
    })),
    ...(r.repairEpoch !== undefined ? { repairEpoch: r.repairEpoch } : {}),
  };
}

/** A repair instead of a cycle: said as text, or as a `repair` JSON line. */
function repairNotice(json: boolean | undefined, vault: string, item: string, n: RepairNotice): void {
  if (json) jsonLine('repair', { vault, item, epoch: n.epoch, reason: n.reason });
  else process.stdout.write(`repairing replication: epoch ${n.epoch} (${n.reason})\n`);
}

/** A failback round served: as text, or as a `failback` JSON line. */
function failbackNotice(json: boolean | undefined, vault: string, item: string, r: FailbackServeResult): void {
  if (r.state === 'none') return;
  if (json) {
    jsonLine('failback', r.state === 'applied'
      ? { vault, item, jobId: r.jobId, round: r.round, state: r.state, bytesApplied: r.applied.bytesApplied, resumed: r.resumed, disks: r.applied.disks.map((d) => ({ diskId: d.diskId, path: d.path, blocks: d.blocks })) }
      : { vault, item, jobId: r.jobId, round: r.round, state: r.state, digestsReported: r.digestsReported });
  } else if (r.state === 'applied') {
    process.stdout.write(`failback round ${r.round} of job ${r.jobId}: ${formatBytes(r.applied.bytesApplied)} applied${r.resumed ? ' (resumed from the journal)' : ''} to ${r.applied.disks.map((d) => d.path).join(', ')}\n`);
  } else if (r.digestsReported) {
    process.stdout.write(`failback round ${r.round} of job ${r.jobId}: disk digests reported; waiting for the service's delta\n`);
  }
}

/** No progress bar under `--json`: stdout stays machine-readable and stderr quiet. */
const noProgress = { onProgress: undefined, finish: () => undefined, abort: () => undefined };

/**
 * `asr agent protect|sync|run`: the source side. Storage: `ASR_STORAGE_CONNECTION_STRING`
 * (default: the local emulators' Azurite when the API endpoint is local); state: `--state-dir`,
 * `ASR_AGENT_STATE_DIR` or `~/.asr-agent`. See docs/agent.md.
 */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('the source-side replication agent: seed replicas, ship replica logs');

  agent.command('protect <vault> <item>')
    .description('register the machine and its disks, enable protection and seed the replicas (resumes an interrupted seed)')
    .requiredOption('--disk <path>', 'a disk image (raw, VHD, VHDX) or block device; repeat for each disk', collect)
    .requiredOption('--policy <policy>', 'replication policy of the vault')
    .option('--encryption-key-file <file>', '64-byte AES-256-XTS key (raw, hex or base64); the replica holds ciphertext')
    .option('--state-dir <dir>', 'where the agent keeps its checkpoints and block digests')
    .option('--registration-key-file <file>', "single-use key from 'asr site register-key' (first protect of this host with the vault; default: your own credentials issue one)")
    .option('--fabric <name>', 'site (fabric) to register under', 'site')
    .option('--container <name>', 'protection container (this host); default the host name')
    .option('--seed-log-mib <n>', 'payload of one seed log, in MiB (a checkpoint after each)', positiveInt('--seed-log-mib'), 64)
    .option('--no-wait', 'return once the seed is uploaded, without waiting for the merge')
    .option('--json', 'print JSON lines (seedCheckpoint…, then protected) instead of text')
    .action(runCommand(async (client: AsrApiClient, vault: string, item: string, opts: {
      disk: string[]; policy: string; encryptionKeyFile?: string; stateDir?: string; registrationKeyFile?: string; fabric: string; container?: string; seedLogMib: number; wait: boolean; json?: boolean;
    }) => {
      const stateDir = opts.stateDir ?? defaultStateDir();
      const progress = opts.json ? noProgress : diskProgress('seeding');
      const started = Date.now();
      try {
        const channel = await agentChannelFromEnv(client, { stateDir, vault, register: true, registrationKeyFile: opts.registrationKeyFile });
        const r = await protectItem(client, channel, {
          vault, item, diskPaths: opts.disk, policy: opts.policy, keyFile: opts.encryptionKeyFile,
          stateDir, fabric: opts.fabric, container: opts.container,
          seedLogBytes: opts.seedLogMib * 1024 * 1024, noWait: !opts.wait,
          onProgress: progress.onProgress,
          onSeedLog: ({ bytesUploaded }) => (opts.json
            ? jsonLine('seedCheckpoint', { bytesUploaded })
            : process.stdout.write(`seed checkpoint: ${bytesUploaded} bytes uploaded\n`)),
        });
        progress.finish();
        if (opts.json) {
          jsonLine('protected', {
            vault, item, resumed: r.resumed, merged: opts.wait, disks: r.state.disks.map((d) => ({ diskId: d.diskId, path: d.path })),
            bytesUploaded: r.bytesUploaded, seconds: (Date.now() - started) / 1000, encrypted: !!r.state.keyFingerprint,
          });
          return;
        }
        const disks = r.state.disks.map((d) => `${d.diskId}=${d.path}`).join(', ');
        process.stdout.write(`${r.resumed ? 'resumed and ' : ''}${opts.wait ? 'completed' : 'uploaded'} initial replication of ${item} (${disks}): ` +
          `${formatBytes(r.bytesUploaded)} uploaded in ${((Date.now() - started) / 1000).toFixed(1)} s${r.state.keyFingerprint ? ', encrypted' : ''}\n`);
      } catch (err) {
        progress.abort();
        throw err;
      }
    }));

  agent.command('register <vault>')
    .description("register this host as a source site of the vault with a single-use key (protect does it on first use)")
    .requiredOption('--registration-key-file <file>', "the key file from 'asr site register-key'")
    .option('--state-dir <dir>', 'the agent state directory')
    .option('--json', 'print one JSON line (registered) instead of text')
    .action(runCommand(async (client: AsrApiClient, vault: string, opts: { registrationKeyFile: string; stateDir?: string; json?: boolean }) => {
      const identity = await ensureSiteIdentity(client, { stateDir: opts.stateDir ?? defaultStateDir(), vault, registrationKeyFile: opts.registrationKeyFile });
      if (opts.json) jsonLine('registered', { vault, siteId: identity.siteId, registeredAt: identity.registeredAt });
      else process.stdout.write(`this host is site ${identity.siteId} of vault ${vault} (registered ${identity.registeredAt})\n`);
    }));

  agent.command('sync <vault> <item>')
    .description('one replication cycle: one log per disk at one cut, then wait until merged; a pending failback round is served instead (digests, then the delta applied to the source disks)')
    .option('--app-consistent', 'mark the cut application-consistent (quiesce the workload first)')
    .option('--no-wait', 'return once the logs are uploaded')
    .option('--encryption-key-file <file>', 'the key, if it moved since protect')
    .option('--state-dir <dir>', 'the agent state directory used at protect')
    .option('--json', 'print one JSON line (cycle) instead of text')
    .action(runCommand(async (client: AsrApiClient, vault: string, item: string, opts: { appConsistent?: boolean; wait: boolean; encryptionKeyFile?: string; stateDir?: string; json?: boolean }) => {
      const progress = opts.json ? noProgress : diskProgress('scanning');
      try {
        const stateDir = opts.stateDir ?? defaultStateDir();
        const channel = await agentChannelFromEnv(client, { stateDir, vault });
        // A failback round pending for the item is what a sync serves (docs/failback.md).
        const fb = await syncFailback(channel, { vault, item, stateDir, keyFile: opts.encryptionKeyFile, noWait: !opts.wait, api: client });
        if (fb.state !== 'none') {
          progress.finish();
          failbackNotice(opts.json, vault, item, fb);
          return;
        }
        const r = await syncItem(channel, {
          vault, item, stateDir, keyFile: opts.encryptionKeyFile,
          consistency: opts.appConsistent ? 'application' : 'crash', noWait: !opts.wait, onProgress: progress.onProgress,
          api: client, onRepair: (n) => repairNotice(opts.json, vault, item, n),
        });
        progress.finish();
        if (opts.json) jsonLine('cycle', { vault, item, ...cycleJson(r), merged: opts.wait });
        else process.stdout.write(`${describeCycle(r)}\n${opts.wait ? 'merged' : 'not waiting for the merge'}\n`);
      } catch (err) {
        progress.abort();
        throw err;
      }
    }));

  agent.command('track <vault> <item>')
    .description("how cycles find a protected disk's changes: qemu's dirty bitmaps (read only what the guest wrote) instead of the full scan; checked against the running qemu before it is recorded")
    .requiredOption('--disk-id <id>', "the disk (disk0, disk1… in the order protect was given --disk)")
    .option('--qmp-socket <path>', "the VM's QMP unix socket (absolute path)")
    .option('--node <name>', "the disk's qcow2 format node in qemu (-blockdev …,node-name=NAME)")
    .option('--nbd-socket <path>', "where qemu's NBD server listens for the agent (default {qmp-socket}.asr-nbd)")
    .option('--verify-every-hours <n>', 'hours between verifying full scans (0: never)', Number)
    .option('--off', 'back to the full scan')
    .option('--state-dir <dir>', 'the agent state directory used at protect')
    .option('--json', 'print one JSON line (tracking) instead of text')
    .action(runCommand(async (_client: AsrApiClient, vault: string, item: string, opts: { diskId: string; qmpSocket?: string; node?: string; nbdSocket?: string; verifyEveryHours?: number; off?: boolean; stateDir?: string; json?: boolean }) => {
      const stateDir = opts.stateDir ?? defaultStateDir();
      if (!opts.off && (!opts.qmpSocket || !opts.node)) throw invalidArgument('--qmp-socket and --node are required (or --off)');
      const tracking = opts.off ? undefined : {
        kind: 'qemu-dirty-bitmap' as const, qmpSocket: opts.qmpSocket!, node: opts.node!,
        ...(opts.nbdSocket ? { nbdSocket: opts.nbdSocket } : {}),
        ...(opts.verifyEveryHours !== undefined ? { verifyEveryHours: opts.verifyEveryHours } : {}),
      };
      const disk = await configureTracking({ stateDir, vault, item, diskId: opts.diskId }, tracking);
      if (opts.json) jsonLine('tracking', { vault, item, diskId: disk.diskId, tracking: disk.tracking ?? null });
      else process.stdout.write(disk.tracking ? `${disk.diskId}: qemu dirty bitmaps on node '${disk.tracking.node}' via ${disk.tracking.qmpSocket}; the next cycle is a full scan, then only dirty ranges\n` : `${disk.diskId}: full scan\n`);
    }));

  agent.command('run <vault> <item>')
    .description("replicate continuously at the policy's interval until stopped (Ctrl-C) or a planned failover")
    .option('--interval <seconds>', "override the policy's replication interval", positiveInt('--interval'))
    .option('--encryption-key-file <file>', 'the key, if it moved since protect')
    .option('--state-dir <dir>', 'the agent state directory used at protect')
    .option('--json', 'print JSON lines (cycle, retry, then stopped or failover) instead of text')
    .action(runCommand(async (client: AsrApiClient, vault: string, item: string, opts: { interval?: number; encryptionKeyFile?: string; stateDir?: string; json?: boolean }) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const stateDir = opts.stateDir ?? defaultStateDir();
        const r = await runAgent(await agentChannelFromEnv(client, { stateDir, vault }), {
          vault, item, stateDir, keyFile: opts.encryptionKeyFile, intervalSeconds: opts.interval, signal: stop.signal,
          api: client, onRepair: (n) => repairNotice(opts.json, vault, item, n),
          onFailback: (fb) => failbackNotice(opts.json, vault, item, fb),
          onCycle: (report, lag) => (opts.json
            ? jsonLine('cycle', { vault, item, ...cycleJson(report), lagSeconds: lag ?? null })
            : process.stdout.write(`${describeCycle(report)}\n  lag: ${lag === undefined ? 'nothing merged yet' : `${lag.toFixed(1)} s`}\n`)),
          onRetry: (err, wait, n) => (opts.json
            ? jsonLine('retry', { vault, item, error: (err as Error).message.split('\n')[0], code: (err as { code?: unknown }).code ?? null, failures: n, retryInMs: wait })
            : process.stderr.write(`cycle failed (${(err as Error).message.split('\n')[0]}); retry ${n} in ${(wait / 1000).toFixed(1)} s\n`)),
        });
        if (opts.json) {
          if (r.failover) {
            jsonLine('failover', { vault, item, cycles: r.cycles, jobId: r.failover.jobId,
              finalLogs: r.failover.finalLogs.map((l) => ({ disk: l.disk, epoch: l.epoch, sequence: l.sequence, cutTime: new Date(l.cutTimeMs).toISOString() })) });
          } else {
            jsonLine('stopped', { vault, item, cycles: r.cycles });
          }
        } else if (r.failover) {
          const finals = r.failover.finalLogs.map((l) => `${l.disk}#${l.sequence}`).join(', ');
          process.stdout.write(`failover job ${r.failover.jobId}: ${finals ? `final logs shipped (${finals})` : 'no final log asked for'}; replication stopped\n`);
        } else {
          process.stdout.write(`stopped after ${r.cycles} cycles\n`);
        }
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    }));
}

/** Standalone `asr-agent` (the agent alone, as installed on a source host). */
if (require.main === module) {
  const program = new Command('asr');
  registerAgentCommands(program);
  program.parseAsync(process.argv).catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    process.stderr.write(`asr: ${(err as Error).message.split('\n')[0]}${code ? ` [${code}]` : ''}\n`);
    process.exitCode = 1;
  });
}
