// The operator's console: plain DOM and fetch, no framework (README, "Dependencies and why").
// Pages and routing; the DOM helpers are in dom.ts, sign-in in session.ts (MSAL: msalSignIn.ts),
// the API client in api.ts, the plan's buttons in planOperations.ts, events in eventsFeed.ts,
// drill history in drillHistory.ts, report downloads in reports.ts.
import { api, ApiError, config, list, vaultPath, whenUnauthenticated, type ConsoleConfig } from './api.js';
import { byteSize, confirmDialog, duration, el, healthBadge, main, show, showStatus, type Json } from './dom.js';
import { drillHistory } from './drillHistory.js';
import { eventsFeed } from './eventsFeed.js';
import { operationButtons } from './planOperations.js';
import { REPORTED_SCENARIOS, reportButtons } from './reports.js';
import { can, claims, entraAvailable, signInWithEntra, signOut as endSession, startSession, useToken } from './session.js';

let poll: number | undefined;
/** Job states the page polls in (and in which no report is offered yet). */
const RUNNING = new Set(['InProgress', 'NotStarted', 'Suspended']);
let shownJob = '';

function signOut(message = ''): void {
  endSession(!message);
  // Home without a hashchange: a route() now would draw the sign-in page again without the message.
  history.replaceState(null, '', '#/');
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
  const entra = entraAvailable()
    ? [el('div', { class: 'buttons' }, el('button', { id: 'entra-sign-in', type: 'button', class: 'primary', click: () => { void signInWithEntra().catch((e: Error) => showStatus(e.message)); } }, 'Sign in with Microsoft Entra ID')),
      el('p', {}, 'Or paste an access token for this API:')]
    : [];
  show('Sign in',
    ...entra,
    ...(config.entraProblem ? [el('p', { class: 'error' }, config.entraProblem)] : []),
    ...(entra.length ? [] : [el('p', {}, 'Local host: paste a development token from ', el('code', {}, 'asr dev-token --role Operator'), ' (Reader, Operator or Contributor). It is kept in this tab only (session storage) and sent only to this host.')]),
    message ? el('p', { role: 'alert', class: 'error' }, message) : document.createTextNode(''),
    el('form', { submit: (e) => {
      e.preventDefault();
      if (!useToken(input.value)) { renderSignIn('That is not a token (three dot-separated parts).'); return; }
      void route();
    } }, el('label', { for: 'token' }, 'Access token'), input, el('button', { type: 'submit' }, 'Sign in')),
  );
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
  const [items, plans, jobs, policies, events] = await Promise.all([
    list(`${vaultPath(vault)}/replicationProtectedItems`), list(`${vaultPath(vault)}/replicationRecoveryPlans`), list(`${vaultPath(vault)}/replicationJobs`),
    list(`${vaultPath(vault)}/replicationPolicies`), eventsFeed(vault),
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
    ...events,
    el('h2', {}, 'Jobs'),
    jobs.length ? el('ul', {}, ...jobs.slice(0, 20).map((j) => el('li', {}, el('a', { href: `#/vaults/${encodeURIComponent(vault)}/jobs/${encodeURIComponent(j.name)}` }, `${j.properties.scenarioName} of ${j.properties.targetObjectName}`), ` ${j.properties.state} ${j.properties.startTime ?? ''}`))) : el('p', {}, 'No job yet.'),
  );
}

function actionText(a: Json): string {
  const d = a.customDetails ?? {};
  const what = d.instanceType === 'ManualActionDetails' ? `manual: ${d.description ?? ''}` : d.instanceType === 'AutomationRunbookActionDetails' ? `runbook ${d.runbookId} on ${d.fabricLocation}` : `script ${d.path ?? ''}`;
  return `${a.actionName} (${what}) for ${(a.failoverTypes ?? []).join(', ')}`;
}

async function renderPlan(vault: string, name: string): Promise<void> {
  const [plan, items] = await Promise.all([api('GET', `${vaultPath(vault)}/replicationRecoveryPlans/${encodeURIComponent(name)}`), list(`${vaultPath(vault)}/replicationProtectedItems`)]);
  const p = plan.body;
  const byId = new Map(items.map((i) => [String(i.id).toLowerCase(), i]));
  let boot = 0;
  const planItems = (p.properties.groups as Json[]).flatMap((g) => (g.replicationProtectedItems ?? []) as Json[]).map((r) => byId.get(String(r.id).toLowerCase())).filter(Boolean);
  const [buttons, drills] = await Promise.all([operationButtons(vault, name, p, planItems, confirmDialog), drillHistory(vault, name)]);
  show(`Plan ${name}`,
    el('p', {}, el('a', { href: `#/vaults/${encodeURIComponent(vault)}` }, `Vault ${vault}`), ` · ${p.properties.primaryFabricFriendlyName ?? ''} → ${p.properties.recoveryFabricFriendlyName ?? ''} · `, healthBadge(p.properties.replicationHealth), healthDetails(p.properties.healthErrors)),
    el('p', {}, `Current: ${p.properties.currentScenario?.scenarioName ?? 'none'} ${p.properties.currentScenarioStatus ?? ''}`),
    ...buttons,
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
    ...drills,
  );
}

/** A failback round's task records what it shipped home (docs/recovery-plans.md, "The failback job"). */
function shipped(d: Json): string | undefined {
  return typeof d.bytesShipped === 'number' ? `round ${d.round ?? '?'}: ${byteSize(d.bytesShipped)} shipped (${d.blocksChanged ?? 0} block(s) changed)` : undefined;
}

/** Every task's bytes shipped, added up: undefined when no task ships bytes. */
function totalShipped(tasks: Json[]): number | undefined {
  let total: number | undefined;
  for (const t of tasks) {
    const own = t.customDetails?.bytesShipped;
    if (typeof own === 'number') total = (total ?? 0) + own;
    const inner = totalShipped(t.groupTaskCustomDetails?.childTasks ?? []);
    if (inner !== undefined) total = (total ?? 0) + inner;
  }
  return total;
}

function taskRows(tasks: Json[], depth = 0): HTMLElement[] {
  return tasks.flatMap((t) => {
    const secs = t.startTime ? ((t.endTime ? Date.parse(t.endTime) : Date.now()) - Date.parse(t.startTime)) / 1000 : undefined;
    const d = t.customDetails ?? {};
    const row = el('tr', { 'data-state': t.state },
      el('td', { style: `padding-left:${0.5 + depth * 1.5}em` }, t.friendlyName),
      el('td', {}, el('span', { class: `badge ${String(t.state).toLowerCase()}` }, t.state)),
      el('td', {}, secs === undefined ? '-' : `${secs.toFixed(1)} s`),
      el('td', {}, [d.machineName, ...(Array.isArray(d.ipAddresses) ? d.ipAddresses : []), shipped(d)].filter(Boolean).join(' ') || (t.state === 'Failed' || t.state === 'Suspended' ? t.stateDescription : '')));
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
    if (RUNNING.has(p.state)) {
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
    ...(RUNNING.has(p.state) || !REPORTED_SCENARIOS.has(p.scenarioName) ? [] : [el('p', { id: 'report' }, 'Report: ', reportButtons(vault, j.name, `job ${j.name}`))]),
    ...(totalShipped(p.tasks ?? []) === undefined ? [] : [el('p', { id: 'bytes-shipped' }, `Bytes shipped: ${byteSize(totalShipped(p.tasks ?? [])!)}`)]),
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
    // A refused token: the sign-in page already says why (api.ts, whenUnauthenticated).
    if (e instanceof ApiError && e.status === 401) return;
    show('Something went wrong', el('p', { role: 'alert', class: 'error' }, (e as Error).message));
  }
}

async function start(): Promise<void> {
  Object.assign(config, await (await fetch('/console/config.json')).json() as ConsoleConfig);
  whenUnauthenticated((message) => signOut(message));
  try {
    await startSession(config.entra);
  } catch (e) {
    config.entraProblem = `Entra ID sign-in failed: ${(e as Error).message}`;
  }
  window.addEventListener('hashchange', () => { void route(); });
  document.getElementById('refresh')!.addEventListener('click', () => { void route(); });
  await route();
}

void start();
