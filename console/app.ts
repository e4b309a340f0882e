// The operator's console: plain DOM and fetch, no framework (README, "Dependencies and why").
// Every value from the API reaches the page through textContent or an attribute set by the
// DOM (el() below), never through innerHTML, so nothing the API returns is parsed as markup.

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Role = 'Reader' | 'Operator' | 'Contributor';

const API_VERSION = '2023-08-01';
const TOKEN_KEY = 'asr-console-token';
const RANK: Record<Role, number> = { Reader: 0, Operator: 1, Contributor: 2 };

/** Which role each plan operation needs and the API action it posts (failback, reprotect and drill are not on the API yet: not shown). */
const OPERATIONS: Record<string, { action: string; role: Role; label: string; says: string }> = {
  TestFailover: { action: 'testFailover', role: 'Operator', label: 'Test failover', says: 'bring every machine of the plan up in the isolated test network you name; production keeps running and replicating' },
  TestFailoverCleanup: { action: 'testFailoverCleanup', role: 'Operator', label: 'Clean up test failover', says: 'delete the machines, disks and NICs the test failover created' },
  PlannedFailover: { action: 'plannedFailover', role: 'Contributor', label: 'Planned failover', says: 'shut the source machines down, ship their final logs and bring them up in Azure with no data loss' },
  UnplannedFailover: { action: 'unplannedFailover', role: 'Contributor', label: 'Unplanned failover', says: 'bring every machine up in Azure from the recovery point you choose; writes after it are lost' },
  Commit: { action: 'failoverCommit', role: 'Contributor', label: 'Commit', says: 'make the failover final' },
  CancelFailover: { action: 'failoverCancel', role: 'Contributor', label: 'Cancel failover', says: 'remove the recovered machines and go back to the primary' },
};

const config = { subscription: '', resourceGroup: '' };
let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
let poll: number | undefined;
let shownJob = '';

/** Builds an element; children that are strings become text nodes (escaped by the DOM). */
function el(tag: string, attrs: Record<string, string | boolean | ((e: Event) => void)> = {}, ...children: (Node | string | undefined | false)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') e.addEventListener(k, v);
    else if (v === true) e.setAttribute(k, '');
    else if (v !== false) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined && c !== false) e.append(c);
  return e;
}

function claims(): { role: Role; name: string; exp: number } | undefined {
  if (!token) return undefined;
  try {
    const p = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const roles = (p.roles ?? []) as Role[];
    const role = roles.sort((a, b) => RANK[b] - RANK[a])[0] ?? 'Reader';
    return { role, name: p.name ?? p.preferred_username ?? p.sub ?? '', exp: p.exp ?? 0 };
  } catch {
    return undefined;
  }
}

const can = (role: Role) => RANK[claims()?.role ?? 'Reader'] >= RANK[role];

function vaultPath(vault?: string): string {
  const base = `/subscriptions/${encodeURIComponent(config.subscription)}/resourceGroups/${encodeURIComponent(config.resourceGroup)}/providers/Microsoft.RecoveryServices/vaults`;
  return vault ? `${base}/${encodeURIComponent(vault)}` : base;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: Json }> {
  const url = new URL(path, location.origin);
  if (url.origin !== location.origin) throw new Error('the console calls its own origin only');
  url.searchParams.set('api-version', API_VERSION);
  const res = await fetch(url, {
    method, credentials: 'omit',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (res.status === 401) signOut('Your sign-in expired or was refused; sign in again.');
  if (res.status >= 400) throw new Error(`${parsed?.error?.code ?? res.status}: ${parsed?.error?.message ?? res.statusText}`);
  return { status: res.status as number, headers: res.headers, body: parsed };
}

async function list(path: string): Promise<Json[]> {
  return (await api('GET', path)).body.value as Json[];
}

const main = () => document.getElementById('main')!;
const showStatus = (text: string) => { document.getElementById('status')!.textContent = text; };

function show(title: string, ...content: Node[]): void {
  document.title = `${title} - Site Recovery console`;
  main().replaceChildren(el('h1', { tabindex: '-1' }, title), ...content);
}

function signOut(message = ''): void {
  token = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = '#/';
  renderSignIn(message);
}

function renderHeader(): void {
  const c = claims();
  document.getElementById('who')!.replaceChildren(...(c ? [
    el('span', {}, `${c.name} (${c.role})`), ' ',
    el('button', { type: 'button', click: () => signOut() }, 'Sign out'),
  ] : []));
}

function renderSignIn(message = ''): void {
  renderHeader();
  const input = el('textarea', { id: 'token', rows: '4', required: true, autocomplete: 'off', spellcheck: 'false' }) as HTMLTextAreaElement;
  show('Sign in',
    el('p', {}, 'Local host: paste a development token from ', el('code', {}, 'asr dev-token --role Operator'), ' (Reader, Operator or Contributor). It is kept in this tab only (session storage) and sent only to this host.'),
    message ? el('p', { role: 'alert', class: 'error' }, message) : document.createTextNode(''),
    el('form', { submit: (e) => {
      e.preventDefault();
      token = input.value.trim();
      if (!claims()) { token = undefined; renderSignIn('That is not a token (three dot-separated parts).'); return; }
      sessionStorage.setItem(TOKEN_KEY, token);
      void route();
    } }, el('label', { for: 'token' }, 'Access token'), input, el('button', { type: 'submit' }, 'Sign in')),
  );
}

function healthBadge(health: string | undefined): HTMLElement {
  return el('span', { class: `badge ${String(health ?? 'None').toLowerCase()}` }, health ?? 'None');
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined || seconds === null) return '-';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function healthDetails(errors: Json[] | undefined): Node {
  if (!errors?.length) return document.createTextNode('');
  return el('details', {}, el('summary', {}, `${errors.length} reason${errors.length > 1 ? 's' : ''}`),
    el('ul', {}, ...errors.map((e) => el('li', {}, `${e.errorLevel} ${e.errorCode}: ${e.errorMessage}`, e.recommendedAction ? el('div', { class: 'action' }, `What to do: ${e.recommendedAction}`) : undefined))));
}

async function renderVaults(): Promise<void> {
  const vaults = await list(vaultPath());
  show('Vaults', vaults.length ? el('ul', {}, ...vaults.map((v) => el('li', {}, el('a', { href: `#/vaults/${encodeURIComponent(v.name)}` }, v.name)))) : el('p', {}, 'No vault yet.'));
}

async function renderVault(vault: string): Promise<void> {
  const [items, plans, jobs, policies] = await Promise.all([
    list(`${vaultPath(vault)}/replicationProtectedItems`), list(`${vaultPath(vault)}/replicationRecoveryPlans`), list(`${vaultPath(vault)}/replicationJobs`),
    list(`${vaultPath(vault)}/replicationPolicies`),
  ]);
  // The service's RPO thresholds, from the policy's interval i: Warning above 2i + 60 s, Critical above 6i + 120 s (docs/replication.md).
  const interval = new Map(policies.map((p) => [String(p.id).toLowerCase(), Number(p.properties.providerSpecificDetails?.replicationInterval)]));
  const thresholds = (i: Json) => {
    const s = interval.get(String(i.properties.policyId ?? '').toLowerCase());
    return s ? ` (warning above ${duration(2 * s + 60)}, critical above ${duration(6 * s + 120)})` : '';
  };
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.properties.replicationHealth, (counts.get(i.properties.replicationHealth) ?? 0) + 1);
  show(`Vault ${vault}`,
    el('p', { id: 'counts' }, ...[...counts].flatMap(([h, n]) => [healthBadge(h), ` ${n}  `])),
    el('h2', {}, 'Protected items'),
    el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ...['Item', 'State', 'Health', 'RPO (threshold)', 'Newest point'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...items.map((i) => {
        const d = i.properties.providerSpecificDetails ?? {};
        return el('tr', { 'data-item': i.name },
          el('th', { scope: 'row' }, i.name),
          el('td', {}, i.properties.protectionState ?? '-'),
          el('td', {}, healthBadge(i.properties.replicationHealth), healthDetails(i.properties.healthErrors)),
          el('td', { class: 'rpo' }, `${duration(d.rpoInSeconds)}${thresholds(i)}`),
          el('td', {}, d.lastRecoveryPointTime ?? d.lastReplicatedTime ?? '-'));
      })))),
    el('h2', {}, 'Recovery plans'),
    plans.length ? el('ul', {}, ...plans.map((p) => el('li', {}, el('a', { href: `#/vaults/${encodeURIComponent(vault)}/plans/${encodeURIComponent(p.name)}` }, p.name), ' ', healthBadge(p.properties.replicationHealth)))) : el('p', {}, 'No plan yet.'),
    el('h2', {}, 'Jobs'),
    jobs.length ? el('ul', {}, ...jobs.slice(0, 20).map((j) => el('li', {}, el('a', { href: `#/vaults/${encodeURIComponent(vault)}/jobs/${encodeURIComponent(j.name)}` }, `${j.properties.scenarioName} of ${j.properties.targetObjectName}`), ` ${j.properties.state} ${j.properties.startTime ?? ''}`))) : el('p', {}, 'No job yet.'),
  );
}

function actionText(a: Json): string {
  const d = a.customDetails ?? {};
  const what = d.instanceType === 'ManualActionDetails' ? `manual: ${d.description ?? ''}` : d.instanceType === 'AutomationRunbookActionDetails' ? `runbook ${d.runbookId} on ${d.fabricLocation}` : `script ${d.path ?? ''}`;
  return `${a.actionName} (${what}) for ${(a.failoverTypes ?? []).join(', ')}`;
}

/** A modal confirmation that says what will happen; resolves true on Confirm. */
function confirmDialog(title: string, says: string, fields: Node[]): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = el('dialog', { 'aria-labelledby': 'confirm-title' }) as HTMLDialogElement;
    const form = el('form', { method: 'dialog' },
      el('h2', { id: 'confirm-title' }, title), el('p', {}, `This will ${says}.`), ...fields,
      el('div', { class: 'buttons' }, el('button', { value: 'cancel', type: 'submit', formnovalidate: true }, 'Cancel'), el('button', { value: 'confirm', type: 'submit', class: 'primary' }, 'Confirm')));
    dialog.append(form);
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'confirm'); });
    document.body.append(dialog);
    dialog.showModal();
  });
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

async function runOperation(vault: string, plan: string, op: string): Promise<void> {
  const o = OPERATIONS[op];
  const fields: Node[] = [];
  let body: () => unknown = () => ({});
  if (op === 'TestFailover' || op === 'UnplannedFailover') {
    const point = pointChoice();
    fields.push(...point.fields);
    if (op === 'TestFailover') {
      const network = el('input', { id: 'network', type: 'text', required: true, placeholder: '/subscriptions/…/virtualNetworks/test-vnet' }) as HTMLInputElement;
      fields.unshift(el('label', { for: 'network' }, 'Isolated test network (virtual network ARM id)'), network);
      body = () => ({ properties: { failoverDirection: 'PrimaryToRecovery', networkType: 'VmNetworkAsInput', networkId: network.value.trim(), providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', ...point.value() }] } });
    } else {
      body = () => ({ properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', ...point.value() }] } });
    }
  } else if (op === 'PlannedFailover') {
    body = () => ({ properties: { failoverDirection: 'PrimaryToRecovery', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure' }] } });
  } else if (op === 'TestFailoverCleanup') {
    const comments = el('input', { id: 'comments', type: 'text' }) as HTMLInputElement;
    fields.push(el('label', { for: 'comments' }, 'Notes on the test'), comments);
    body = () => ({ properties: { comments: comments.value } });
  }
  if (!(await confirmDialog(`${o.label} of ${plan}?`, o.says, fields))) return;
  const res = await api('POST', `${vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(plan)}/${o.action}`, body());
  const job = new URL(res.headers.get('location') ?? '', location.origin).pathname.split('/').pop();
  location.hash = `#/vaults/${encodeURIComponent(vault)}/jobs/${encodeURIComponent(job ?? '')}`;
}

async function renderPlan(vault: string, name: string): Promise<void> {
  const [plan, items] = await Promise.all([api('GET', `${vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(name)}`), list(`${vaultPath(vault)}/replicationProtectedItems`)]);
  const p = plan.body;
  const byId = new Map(items.map((i) => [String(i.id).toLowerCase(), i]));
  let boot = 0;
  const allowed = (p.properties.allowedOperations ?? []) as string[];
  const ops = Object.keys(OPERATIONS).filter((op) => allowed.includes(op));
  show(`Plan ${name}`,
    el('p', {}, el('a', { href: `#/vaults/${encodeURIComponent(vault)}` }, `Vault ${vault}`), ` · ${p.properties.primaryFabricFriendlyName ?? ''} → ${p.properties.recoveryFabricFriendlyName ?? ''} · `, healthBadge(p.properties.replicationHealth), healthDetails(p.properties.healthErrors)),
    el('p', {}, `Current: ${p.properties.currentScenario?.scenarioName ?? 'none'} ${p.properties.currentScenarioStatus ?? ''}`),
    el('div', { class: 'buttons', role: 'group', 'aria-label': 'Operations' }, ...ops.map((op) => {
      const o = OPERATIONS[op];
      return el('button', { type: 'button', disabled: !can(o.role), title: can(o.role) ? o.says : `needs the ${o.role} role`, click: () => { void runOperation(vault, name, op).catch((e: Error) => showStatus(e.message)); } }, o.label);
    })),
    el('h2', {}, 'Groups'),
    el('ol', { class: 'tree' }, ...(p.properties.groups as Json[]).map((g) => el('li', {},
      el('strong', {}, g.groupType === 'Boot' ? `Group ${++boot}` : g.groupType),
      el('ul', {},
        ...(g.startGroupActions ?? []).map((a: Json) => el('li', {}, `before: ${actionText(a)}`)),
        ...(g.replicationProtectedItems ?? []).map((r: Json) => {
          const it = byId.get(String(r.id).toLowerCase());
          return el('li', {}, `machine ${it?.name ?? String(r.id).split('/').pop()} `, it ? healthBadge(it.properties.replicationHealth) : undefined);
        }),
        ...(g.endGroupActions ?? []).map((a: Json) => el('li', {}, `after: ${actionText(a)}`)))))),
  );
}

function taskRows(tasks: Json[], depth = 0): HTMLElement[] {
  return tasks.flatMap((t) => {
    const secs = t.startTime ? ((t.endTime ? Date.parse(t.endTime) : Date.now()) - Date.parse(t.startTime)) / 1000 : undefined;
    const d = t.customDetails ?? {};
    const row = el('tr', { 'data-state': t.state },
      el('td', { style: `padding-left:${0.5 + depth * 1.5}em` }, t.friendlyName),
      el('td', {}, el('span', { class: `badge ${String(t.state).toLowerCase()}` }, t.state)),
      el('td', {}, secs === undefined ? '-' : `${secs.toFixed(1)} s`),
      el('td', {}, [d.machineName, ...(Array.isArray(d.ipAddresses) ? d.ipAddresses : [])].filter(Boolean).join(' ') || (t.state === 'Failed' || t.state === 'Suspended' ? t.stateDescription : '')));
    return [row, ...taskRows(t.groupTaskCustomDetails?.childTasks ?? [], depth + 1)];
  });
}

function findWaiting(tasks: Json[]): Json | undefined {
  for (const t of tasks) {
    if (t.state === 'Suspended' && t.customDetails?.instanceType === 'ManualActionTaskDetails') return t;
    const inner = findWaiting(t.groupTaskCustomDetails?.childTasks ?? []);
    if (inner) return inner;
  }
  return undefined;
}

async function renderJob(vault: string, name: string): Promise<void> {
  const path = `${vaultPath(vault)}/replicationJobs/${encodeURIComponent(name)}`;
  const j = (await api('GET', path)).body;
  const p = j.properties;
  const schedule = () => {
    window.clearTimeout(poll);
    if (p.state === 'InProgress' || p.state === 'NotStarted' || p.state === 'Suspended') {
      poll = window.setTimeout(() => { if (location.hash.includes(`/jobs/${encodeURIComponent(name)}`)) void renderJob(vault, name).catch((e: Error) => showStatus(e.message)); }, 1000);
    }
  };
  // Unchanged job, unchanged page: the operator's focus and typing stay where they are.
  const text = JSON.stringify(j);
  if (text === shownJob && document.getElementById('job-state') && !p.tasks?.some((t: Json) => t.state === 'InProgress')) { schedule(); return; }
  shownJob = text;
  const waiting = findWaiting(p.tasks ?? []);
  const focusedId = document.activeElement?.id;
  const comment = document.getElementById('comment') as HTMLTextAreaElement | null;
  const kept = comment?.value ?? '';
  const manual = waiting ? el('section', { class: 'manual', 'aria-labelledby': 'manual-title' },
    el('h2', { id: 'manual-title' }, `Waiting for you: ${waiting.friendlyName}`),
    el('p', { id: 'instructions' }, waiting.customDetails?.instructions ?? waiting.stateDescription),
    el('label', { for: 'comment' }, 'Comment (what you did)'),
    el('textarea', { id: 'comment', rows: '2' }),
    el('div', { class: 'buttons' },
      el('button', { id: 'resume', type: 'button', class: 'primary', disabled: !can('Operator'), click: () => { void act('resume'); } }, 'Resume'),
      el('button', { id: 'cancel-job', type: 'button', disabled: !can('Operator'), click: () => { void act('cancel'); } }, 'Cancel job'))) : undefined;
  async function act(verb: 'resume' | 'cancel'): Promise<void> {
    const text = (document.getElementById('comment') as HTMLTextAreaElement).value;
    try {
      await api('POST', `${path}/${verb}`, verb === 'resume' ? { properties: { comments: text } } : {});
      showStatus(verb === 'resume' ? 'Resumed.' : 'Cancel requested.');
      await renderJob(vault, name);
    } catch (e) { showStatus((e as Error).message); }
  }
  const errors = (p.errors ?? []) as Json[];
  show(`${p.scenarioName} of ${p.targetObjectName}`,
    el('p', {}, el('a', { href: `#/vaults/${encodeURIComponent(vault)}` }, `Vault ${vault}`), ' · job ', el('code', {}, j.name), ' · ',
      el('span', { id: 'job-state', class: `badge ${String(p.state).toLowerCase()}` }, p.state), ` ${p.stateDescription ?? ''}`,
      p.targetObjectName ? el('span', {}, ' · ', el('a', { href: `#/vaults/${encodeURIComponent(vault)}/plans/${encodeURIComponent(p.targetObjectName)}` }, `Plan ${p.targetObjectName}`)) : undefined),
    manual ?? document.createTextNode(''),
    ...errors.map((e) => el('p', { class: 'error', role: 'alert' }, `${e.serviceErrorDetails?.code}: ${e.serviceErrorDetails?.message}`, el('div', { class: 'action' }, `What to do: ${e.serviceErrorDetails?.recommendedAction ?? '-'}`))),
    el('h2', {}, 'Steps'),
    el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, el('tr', {}, ...['Step', 'State', 'Time', 'Machine / detail'].map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...taskRows(p.tasks ?? [])))),
  );
  const c = document.getElementById('comment') as HTMLTextAreaElement | null;
  if (c) c.value = kept;
  if (focusedId) document.getElementById(focusedId)?.focus();
  // Live: poll while the job runs or waits on someone.
  schedule();
}

async function route(): Promise<void> {
  window.clearTimeout(poll);
  shownJob = '';
  if (!claims()) { renderSignIn(); return; }
  renderHeader();
  showStatus('');
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'vaults' && parts[2] === 'plans' && parts[3]) await renderPlan(parts[1], parts[3]);
    else if (parts[0] === 'vaults' && parts[2] === 'jobs' && parts[3]) await renderJob(parts[1], parts[3]);
    else if (parts[0] === 'vaults' && parts[1]) await renderVault(parts[1]);
    else await renderVaults();
    (main().querySelector('h1') as HTMLElement | null)?.focus();
  } catch (e) {
    show('Something went wrong', el('p', { role: 'alert', class: 'error' }, (e as Error).message));
  }
}

async function start(): Promise<void> {
  const c = await (await fetch('/console/config.json')).json() as { subscription: string; resourceGroup: string; authMode: string };
  Object.assign(config, c);
  window.addEventListener('hashchange', () => { void route(); });
  document.getElementById('refresh')!.addEventListener('click', () => { void route(); });
  await route();
}

void start();
