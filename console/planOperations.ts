// The plan page's operation buttons: what each does, which role it needs, which word of the plan's
// allowedOperations allows it, the confirmation that says what will happen, and the request.
import { api, jobHashOf, planPath } from './api.js';
import { drillButton } from './drills.js';
import { el, showStatus, type Json } from './dom.js';
import { can, claims, type Role } from './session.js';

interface Operation {
  /** The `allowedOperations` word (ASR's) that allows it. */
  allowedBy: string;
  /** Shown in the failover part of the cycle, or on the way home (after a committed failover). */
  stage: 'forward' | 'home';
  /** On the way home, only while the machines run in the recovery site, or only once they are back. */
  where?: 'recoverySite' | 'primarySite';
  action: string;
  role: Role;
  label: string;
  says: string;
  /** The dialog's fields and the request body they make. */
  form?: () => { fields: Node[]; body: () => unknown };
}

const FORWARD = { failoverDirection: 'PrimaryToRecovery' };

/** Every operation the plan page offers, in the order of the cycle; roles as the API checks them (shared/arm/recovery/recoveryRoutes.ts). */
const OPERATIONS: Operation[] = [
  { allowedBy: 'TestFailover', stage: 'forward', action: 'testFailover', role: 'Operator', label: 'Test failover', says: 'bring every machine of the plan up in the isolated test network you name; production keeps running and replicating', form: testFailoverForm },
  { allowedBy: 'TestFailoverCleanup', stage: 'forward', action: 'testFailoverCleanup', role: 'Operator', label: 'Clean up test failover', says: 'delete the machines, disks and NICs the test failover created', form: cleanupForm },
  { allowedBy: 'PlannedFailover', stage: 'forward', action: 'plannedFailover', role: 'Contributor', label: 'Planned failover', says: 'shut the source machines down, ship their final logs and bring them up in Azure with no data loss', form: () => ({ fields: [], body: () => ({ properties: { ...FORWARD, providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure' }] } }) }) },
  { allowedBy: 'UnplannedFailover', stage: 'forward', action: 'unplannedFailover', role: 'Contributor', label: 'Unplanned failover', says: 'bring every machine up in Azure from the recovery point you choose; writes after it are lost', form: unplannedForm },
  { allowedBy: 'FailoverCommit', stage: 'forward', action: 'failoverCommit', role: 'Contributor', label: 'Commit', says: 'make the failover final: the machines keep running in the recovery site and the source stops replicating; the way home is a failback' },
  { allowedBy: 'CancelFailover', stage: 'forward', action: 'failoverCancel', role: 'Contributor', label: 'Cancel failover', says: 'remove the recovered machines and go back to the primary' },
  { allowedBy: 'PlannedFailover', stage: 'home', action: 'plannedFailover', role: 'Contributor', label: 'Fail back', says: 'ship the blocks the recovered machines wrote back to the primary site, shut the recovered machines down, ship their last changes and start the primary machines, group by group; the primary site\'s agents must be running', form: failbackForm },
  { allowedBy: 'FailoverCommit', stage: 'home', action: 'failoverCommit', role: 'Contributor', label: 'Commit failback', says: 'make the failback final: the machines run in the primary site and the recovered machines stay stopped; reprotect comes next' },
  { allowedBy: 'CancelFailover', stage: 'home', action: 'failoverCancel', role: 'Contributor', label: 'Cancel failback', says: 'start the recovered machines in the recovery site again (the committed failover, from which a failback may start anew); what the primary machines wrote since the failback is not shipped', },
  { allowedBy: 'ReverseReplicate', stage: 'home', where: 'recoverySite', action: 'reProtect', role: 'Contributor', label: 'Reverse replicate', says: 'keep the primary site in sync while the machines run in the recovery site: their changed blocks are shipped home at the policy interval (the primary site\'s agents must be running), so a later failback has little to ship', form: () => ({ fields: [], body: () => ({ properties: { failoverDirection: 'RecoveryToPrimary' } }) }) },
  { allowedBy: 'ReverseReplicate', stage: 'home', where: 'primarySite', action: 'reProtect', role: 'Contributor', label: 'Reprotect', says: 'replicate every machine to the recovery site again in a new epoch, shipping only the blocks that differ from the replica, and remove the recovered machines and their disks from the recovery site', form: () => ({ fields: [], body: () => ({ properties: FORWARD }) }) },
];

/**
 * On the way home when an item of the plan runs in, or came back from, the recovery site after a
 * committed failover: there `PlannedFailover` is a failback and commit/cancel are the failback's.
 */
export function isHomeward(items: Json[]): boolean {
  return items.some((i) => /^(FailoverCommitted|Failback|ReverseReplicating)/.test(String(i.properties?.protectionState ?? '')));
}

/** Where the plan's machines run on the way home: `ReverseReplicate` means reverse replication there, reprotect here. */
function siteOf(items: Json[]): 'recoverySite' | 'primarySite' {
  return items.some((i) => /^(FailoverCommitted|ReverseReplicating)$/.test(String(i.properties?.protectionState ?? ''))) ? 'recoverySite' : 'primarySite';
}

function pointChoice(): { fields: Node[]; value: () => Record<string, string> } {
  const select = el('select', { id: 'point' },
    ...[['latest', 'Latest (every log the service has)'], ['LatestProcessed', 'Latest processed point'], ['LatestApplicationConsistent', 'Latest app-consistent point'], ['id', 'A recovery point (id)'], ['time', 'A time in the journal window']]
      .map(([v, t]) => el('option', { value: v }, t))) as HTMLSelectElement;
  const extra = el('input', { id: 'point-value', type: 'text', placeholder: 'point id or ISO time' }) as HTMLInputElement;
  return {
    fields: [el('label', { for: 'point' }, 'Recover to'), select, el('label', { for: 'point-value' }, 'Point id or time (if chosen above)'), extra],
    value: (): Record<string, string> => {
      const v = select.value;
      if (v === 'latest') return { recoveryPointType: 'Latest' };
      if (v === 'id') return { recoveryPointId: extra.value.trim() };
      if (v === 'time') return { recoveryPointTime: new Date(extra.value.trim()).toISOString() };
      return { recoveryPointType: v };
    },
  };
}

function testFailoverForm(): { fields: Node[]; body: () => unknown } {
  const point = pointChoice();
  const network = el('input', { id: 'network', type: 'text', required: true, placeholder: '/subscriptions/…/virtualNetworks/test-vnet' }) as HTMLInputElement;
  return {
    fields: [el('label', { for: 'network' }, 'Isolated test network (virtual network ARM id)'), network, ...point.fields],
    body: () => ({ properties: { ...FORWARD, networkType: 'VmNetworkAsInput', networkId: network.value.trim(), providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', ...point.value() }] } }),
  };
}

function unplannedForm(): { fields: Node[]; body: () => unknown } {
  const point = pointChoice();
  return { fields: point.fields, body: () => ({ properties: { ...FORWARD, sourceSiteOperations: 'NotRequired', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', ...point.value() }] } }) };
}

function cleanupForm(): { fields: Node[]; body: () => unknown } {
  const comments = el('input', { id: 'comments', type: 'text' }) as HTMLInputElement;
  return { fields: [el('label', { for: 'comments' }, 'Notes on the test'), comments], body: () => ({ properties: { comments: comments.value } }) };
}

/** ForSynchronization / ForDownTime, and a directory on the primary host when the source disks are gone (CreateVmIfNotFound). */
function failbackForm(): { fields: Node[]; body: () => unknown } {
  const sync = el('select', { id: 'data-sync' },
    el('option', { value: 'ForSynchronization' }, 'Synchronize first, then a short downtime (ForSynchronization)'),
    el('option', { value: 'ForDownTime' }, 'Shut down first, then one delta (ForDownTime)')) as HTMLSelectElement;
  // Checked in the page for the operator's sake; the API checks it again (InvalidRequestBody).
  const alternate = el('input', { id: 'alternate', type: 'text', pattern: '(/|[A-Za-z]:(\\\\|/)).*', title: 'an absolute directory on the primary host, e.g. /var/lib/vms or D:\\VMs', autocomplete: 'off', spellcheck: 'false' }) as HTMLInputElement;
  return {
    fields: [
      el('label', { for: 'data-sync' }, 'How to synchronize'), sync,
      el('label', { for: 'alternate' }, 'Alternate location (optional): the source disks are gone, write new disks into this directory on the primary host'), alternate,
    ],
    body: () => {
      const dir = alternate.value.trim();
      return {
        properties: {
          failoverDirection: 'RecoveryToPrimary',
          providerSpecificDetails: [{
            instanceType: 'HyperVReplicaAzureFailback', dataSyncOption: sync.value,
            ...(dir ? { recoveryVmCreationOption: 'CreateVmIfNotFound', alternateLocation: dir } : { recoveryVmCreationOption: 'NoAction' }),
          }],
        },
      };
    },
  };
}

async function runOperation(vault: string, plan: string, o: Operation, confirm: (title: string, says: string, fields: Node[]) => Promise<boolean>): Promise<void> {
  const form = o.form?.() ?? { fields: [], body: () => ({}) };
  if (!(await confirm(`${o.label} of ${plan}?`, o.says, form.fields))) return;
  const res = await api('POST', `${planPath(vault, plan)}/${o.action}`, form.body());
  location.hash = jobHashOf(vault, res);
}

/**
 * One button per operation of the plan's stage (failover, or the way home), enabled only when the
 * plan allows it now and the signed-in role may run it; the note under them says why others are
 * greyed out. Plus the drill button (drills.ts).
 */
export async function operationButtons(vault: string, plan: string, planJson: Json, items: Json[], confirm: (title: string, says: string, fields: Node[]) => Promise<boolean>): Promise<Node[]> {
  const allowed = (planJson.properties?.allowedOperations ?? []) as string[];
  const stage = isHomeward(items) ? 'home' : 'forward';
  const site = siteOf(items);
  const buttons = OPERATIONS.filter((o) => o.stage === stage && (!o.where || o.where === site)).map((o) => {
    const allowedNow = allowed.includes(o.allowedBy);
    const why = !allowedNow ? 'not allowed in the plan\'s current state' : !can(o.role) ? `needs the ${o.role} role` : o.says;
    return el('button', {
      type: 'button', 'data-operation': o.action, disabled: !allowedNow || !can(o.role), title: why,
      click: () => { void runOperation(vault, plan, o, confirm).catch((e: Error) => showStatus(e.message)); },
    }, o.label);
  });
  const role = claims()?.role ?? 'Reader';
  const note = el('p', { id: 'operations-note', class: 'note' },
    `Allowed now: ${allowed.length ? allowed.join(', ') : 'nothing (an operation is running)'}. You are ${role}: `,
    role === 'Reader' ? 'you may look, not act.' : role === 'Operator' ? 'you may test, clean up, approve and run drills; failovers, failbacks and reprotect need Contributor.' : 'you may run every operation.');
  return [
    el('div', { class: 'buttons', role: 'group', 'aria-label': stage === 'home' ? 'Operations: the way home' : 'Operations', 'aria-describedby': 'operations-note' }, ...buttons, await drillButton(vault, plan, confirm)),
    note,
  ];
}
