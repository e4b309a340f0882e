import type { Command } from 'commander';
import { readEncryptionKey } from '../../shared/agent';
import type { AsrApiClient } from '../api/AsrApiClient';
import { emit } from '../api/output';
import { invalidArgument, runCommand } from '../api/runCommand';
import { jobNameOf, postAction, watchJob } from './job';

const KINDS: Record<string, string> = {
  'latest': 'Latest', 'latest-processed': 'LatestProcessed', 'latest-app-consistent': 'LatestApplicationConsistent', 'latest-crash-consistent': 'LatestCrashConsistent',
};

/** `--point`: a kind (latest, latest-processed, …), a recovery point id, or an ISO time in the journal window. */
export function pointDetails(point: string | undefined): Record<string, string> {
  if (!point) return {};
  const kind = KINDS[point.toLowerCase()];
  if (kind) return { recoveryPointType: kind };
  if (/^\d{4}-\d{2}-\d{2}T/.test(point)) {
    if (Number.isNaN(Date.parse(point))) throw invalidArgument(`--point ${point} is not a valid time`);
    return { recoveryPointTime: new Date(point).toISOString() };
  }
  return { recoveryPointId: point };
}

/**
 * `--key-file`: the item's 64-byte XTS key, raw, hex (`openssl rand -hex 64`) or base64, read by
 * the agent's own reader so every command accepts the same files. Sent once with the request;
 * never stored by the service.
 */
export async function keyDetails(file: string | undefined): Promise<Record<string, string>> {
  if (!file) return {};
  const { key } = await readEncryptionKey(file);
  return { primaryKekCertificatePfx: key.toString('base64') };
}

interface ActionOptions { point?: string; keyFile?: string; network?: string; planned?: boolean; unplanned?: boolean; sourceSiteOperations?: string; comments?: string; wait?: boolean; json?: boolean }

async function run(client: AsrApiClient, vault: string, plan: string, action: string, body: unknown, opts: ActionOptions, role: 'Operator' | 'Contributor'): Promise<void> {
  const path = `${client.vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(plan)}/${action}`;
  const res = await postAction(client, path, body, role);
  const job = jobNameOf(res);
  if (opts.wait && opts.json) {
    emit(await watchJob(client, vault, job, { quiet: true }), true, () => '');
    return;
  }
  if (opts.wait) {
    process.stdout.write(`job ${job} started\n`);
    await watchJob(client, vault, job);
    return;
  }
  emit({ job, plan: res.body }, opts.json, () => `job ${job} started; follow it with 'asr job show ${vault} ${job}'`);
}

const VNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+$/i;

/**
 * A test failover needs a network that exists: there is no usable default (the old `test-vnet`
 * exists nowhere, so every NIC failed in Azure). The vault keeps no test network setting, so
 * the operator names one, as a virtual network's ARM id.
 */
function testNetworkOf(network: string | undefined): string {
  if (!network) {
    throw invalidArgument('--network is required: give the ARM id of the isolated test virtual network, e.g. --network /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<test-vnet>');
  }
  if (!VNET_ID.test(network)) {
    throw invalidArgument(`--network '${network}' is not a virtual network's ARM id (/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>)${/\/subnets\//i.test(network) ? '; give the network, not a subnet: each NIC keeps its item\'s subnet' : ''}`);
  }
  return network;
}

/** `asr plan test-failover|cleanup|failover|commit|cancel`: adds to the `plan` group (creating it if absent). */
export function registerPlanActionsCommands(program: Command): void {
  const plan = program.commands.find((c) => c.name() === 'plan') ?? program.command('plan').description('recovery plans');
  const withWait = (c: Command) => c.option('--wait', 'show the job\'s steps as they finish, until it ends or waits').option('--json', 'print JSON');

  withWait(plan.command('test-failover <vault> <plan>')
    .description('bring the plan up in an isolated test network; it waits for cleanup')
    .option('--point <point>', 'latest | latest-processed | latest-app-consistent | latest-crash-consistent | <point id> | <ISO time>')
    .option('--key-file <file>', 'key of encrypted items (64 bytes: raw, hex or base64)')
    .option('--network <id>', 'the isolated test network: the full ARM id of a virtual network (/subscriptions/…/providers/Microsoft.Network/virtualNetworks/{name}); each NIC keeps its item\'s subnet'))
    .action(runCommand(async (client, vault: string, name: string, opts: ActionOptions) => {
      const networkId = testNetworkOf(opts.network);
      await run(client, vault, name, 'testFailover', {
        properties: { failoverDirection: 'PrimaryToRecovery', networkType: 'VmNetworkAsInput', networkId, providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', ...pointDetails(opts.point), ...(await keyDetails(opts.keyFile)) }] },
      }, opts, 'Operator');
    }));

  withWait(plan.command('cleanup <vault> <plan>')
    .description('remove what the test failover created')
    .option('--comments <text>', 'notes on the test', ''))
    .action(runCommand(async (client, vault: string, name: string, opts: ActionOptions) => {
      await run(client, vault, name, 'testFailoverCleanup', { properties: { comments: opts.comments } }, opts, 'Operator');
    }));

  withWait(plan.command('failover <vault> <plan>')
    .description('fail over: --planned (source shuts down, final logs, no data loss) or --unplanned (from a point)')
    .option('--planned', 'planned failover')
    .option('--unplanned', 'unplanned failover')
    .option('--point <point>', 'unplanned: latest | latest-processed | latest-app-consistent | <point id> | <ISO time>')
    .option('--key-file <file>', 'key of encrypted items (64 bytes: raw, hex or base64)')
    .option('--source-site-operations <mode>', 'unplanned: Required (try to shut the source down) or NotRequired', 'NotRequired'))
    .action(runCommand(async (client, vault: string, name: string, opts: ActionOptions) => {
      if (!!opts.planned === !!opts.unplanned) throw invalidArgument('give exactly one of --planned and --unplanned');
      if (opts.planned && opts.point) throw invalidArgument('--point is for --unplanned: a planned failover recovers the final logs');
      const details = [{ instanceType: 'HyperVReplicaAzure', ...pointDetails(opts.point), ...(await keyDetails(opts.keyFile)) }];
      await run(client, vault, name, opts.planned ? 'plannedFailover' : 'unplannedFailover', {
        properties: { failoverDirection: 'PrimaryToRecovery', ...(opts.unplanned ? { sourceSiteOperations: opts.sourceSiteOperations } : {}), providerSpecificDetails: details },
      }, opts, 'Contributor');
    }));

  withWait(plan.command('commit <vault> <plan>').description('commit a failover (then: asr plan failback) or a failback (then: asr plan reprotect)'))
    .action(runCommand(async (client, vault: string, name: string, opts: ActionOptions) => {
      await run(client, vault, name, 'failoverCommit', {}, opts, 'Contributor');
    }));

  withWait(plan.command('cancel <vault> <plan>').description('cancel a failover (remove the recovered machines, back to the primary) or a failback (the recovered machines run again)'))
    .action(runCommand(async (client, vault: string, name: string, opts: ActionOptions) => {
      await run(client, vault, name, 'failoverCancel', {}, opts, 'Contributor');
    }));
}
