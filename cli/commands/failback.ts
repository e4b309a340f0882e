import type { Command } from 'commander';
import type { AsrApiClient } from '../api/AsrApiClient';
import { emit } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { findItem } from './item';
import { jobNameOf, postAction, watchJob } from './job';
import { keyDetails } from './planActions';

interface FailbackOptions { sync?: string; alternate?: string; keyFile?: string; direction?: string; wait?: boolean; json?: boolean }

/** `--sync before` = ASR's ForSynchronization (ship while the recovered machine runs), `during` = ForDownTime. */
export function dataSyncOptionOf(sync: string | undefined): 'ForSynchronization' | 'ForDownTime' {
  const s = (sync ?? 'before').toLowerCase();
  if (s === 'before') return 'ForSynchronization';
  if (s === 'during') return 'ForDownTime';
  throw invalidArgument(`--sync ${sync}: give 'before' (synchronize while the recovered machine still runs, then a short final delta) or 'during' (shut down first, then one delta)`);
}

/** `--alternate <dir>`: an absolute directory on the primary host (CreateVmIfNotFound), never a URL. */
export function alternateOf(dir: string | undefined): Record<string, string> {
  if (dir === undefined) return { recoveryVmCreationOption: 'NoAction' };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(dir)) throw invalidArgument(`--alternate ${dir}: give a directory on the primary host, not a URL`);
  if (!dir.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(dir)) throw invalidArgument(`--alternate ${dir}: give an absolute directory (the primary host's agent writes the new disks there)`);
  return { recoveryVmCreationOption: 'CreateVmIfNotFound', alternateLocation: dir };
}

/** `--direction`: reprotect replicates PrimaryToRecovery (after a failback) or RecoveryToPrimary (after a committed failover: continuous reverse replication). */
function directionOf(direction: string | undefined): 'PrimaryToRecovery' | 'RecoveryToPrimary' {
  const d = direction ?? 'PrimaryToRecovery';
  if (d !== 'PrimaryToRecovery' && d !== 'RecoveryToPrimary') throw invalidArgument(`--direction ${direction}: give PrimaryToRecovery (after a failback) or RecoveryToPrimary`);
  return d;
}

async function run(client: AsrApiClient, vault: string, path: string, body: unknown, opts: FailbackOptions, what: string): Promise<void> {
  const res = await postAction(client, path, body, 'Contributor');
  const job = jobNameOf(res);
  if (opts.wait) {
    process.stdout.write(`job ${job} started\n`);
    await watchJob(client, vault, job);
    return;
  }
  emit({ job, [what]: res.body }, opts.json, () => `job ${job} started; follow it with 'asr job show ${vault} ${job}'`);
}

/** The planned failover back's request body from the command's options (tests build it the same way). */
export async function failbackBody(opts: Pick<FailbackOptions, 'sync' | 'alternate' | 'keyFile'>): Promise<Record<string, unknown>> {
  const details = { instanceType: 'HyperVReplicaAzureFailback', dataSyncOption: dataSyncOptionOf(opts.sync), ...alternateOf(opts.alternate), ...(await keyDetails(opts.keyFile)) };
  return { properties: { failoverDirection: 'RecoveryToPrimary', providerSpecificDetails: details } };
}

/**
 * The way home (issue 13), under `asr plan` and `asr item`: `failback` (a planned failover back
 * to the primary site), `reprotect` (forward replication again after the failback's commit),
 * and for items `commit` / `cancel` (plans have them in planActions).
 */
export function registerFailbackCommands(program: Command): void {
  const group = (name: string, description: string) => program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
  const plan = group('plan', 'recovery plans');
  const item = group('item', 'protected items (replicated VMs)');
  const withWait = (c: Command) => c.option('--wait', 'show the job\'s steps as they finish, until it ends or waits').option('--json', 'print JSON');
  const failbackOptions = (c: Command) => withWait(c
    .option('--sync <when>', 'before: synchronize while the recovered machine still runs, then shut it down and ship the last changes (short downtime); during: shut down first, then one delta', 'before')
    .option('--alternate <dir>', 'the source disk is gone: write a new disk into this absolute directory on the primary host (CreateVmIfNotFound)')
    .option('--key-file <file>', 'key of encrypted items (64 bytes: raw, hex or base64): the data going home is encrypted with it'));
  const reprotectOptions = (c: Command) => withWait(c.option('--direction <d>', 'PrimaryToRecovery (after a committed failback) or RecoveryToPrimary (after a committed failover: keep the primary site in sync)', 'PrimaryToRecovery')
    .option('--key-file <file>', 'RecoveryToPrimary of encrypted items: their key (64 bytes: raw, hex or base64); the rounds\' deltas are encrypted with it'));
  const reprotectBody = async (opts: FailbackOptions, item: boolean) => ({
    properties: { failoverDirection: directionOf(opts.direction), providerSpecificDetails: { ...(item ? { instanceType: 'HyperVReplicaAzure' } : {}), ...(await keyDetails(opts.keyFile)) } },
  });
  const planPath = (client: AsrApiClient, vault: string, name: string, action: string) => `${client.vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(name)}/${action}`;
  const itemPath = async (client: AsrApiClient, vault: string, name: string, action: string) => `${(await findItem(client, vault, name)).id}/${action}`;

  failbackOptions(plan.command('failback <vault> <plan>')
    .description('fail back to the primary site after a committed failover: ship the changed blocks home, stop the recovered machines, start the primary ones; then commit and reprotect'))
    .action(runCommand(async (client, vault: string, name: string, opts: FailbackOptions) => {
      await run(client, vault, planPath(client, vault, name, 'plannedFailover'), await failbackBody(opts), opts, 'plan');
    }));
  reprotectOptions(plan.command('reprotect <vault> <plan>')
    .description('after a committed failback: replicate to the recovery site again (a new epoch from the shared disks, deltas only) and remove the recovered machines'))
    .action(runCommand(async (client, vault: string, name: string, opts: FailbackOptions) => {
      await run(client, vault, planPath(client, vault, name, 'reProtect'), await reprotectBody(opts, false), opts, 'plan');
    }));

  failbackOptions(item.command('failback <vault> <item>')
    .description('fail one protected item back to the primary site (see asr plan failback)'))
    .action(runCommand(async (client, vault: string, name: string, opts: FailbackOptions) => {
      await run(client, vault, await itemPath(client, vault, name, 'plannedFailover'), await failbackBody(opts), opts, 'item');
    }));
  reprotectOptions(item.command('reprotect <vault> <item>')
    .description('after a committed failback: replicate the item to the recovery site again'))
    .action(runCommand(async (client, vault: string, name: string, opts: FailbackOptions) => {
      await run(client, vault, await itemPath(client, vault, name, 'reProtect'), await reprotectBody(opts, true), opts, 'item');
    }));
  withWait(item.command('commit <vault> <item>').description('commit the item\'s failover or failback'))
    .action(runCommand(async (client, vault: string, name: string, opts: FailbackOptions) => {
      await run(client, vault, await itemPath(client, vault, name, 'failoverCommit'), {}, opts, 'item');
    }));
  withWait(item.command('cancel <vault> <item>').description('cancel the item\'s failover (back to the primary) or failback (back to the recovery site)'))
    .action(runCommand(async (client, vault: string, name: string, opts: FailbackOptions) => {
      await run(client, vault, await itemPath(client, vault, name, 'failoverCancel'), {}, opts, 'item');
    }));
}
