import ExcelJS from 'exceljs';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { createSite, jobOf, ReplicatedDisk, RG, startRecoveryHost, V, waitForJob, type RecoveryHost } from '../recovery/recoveryHarness';

const MIB = 1024 * 1024;
const SHOTS = resolve(__dirname, '../../../docs/console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TEST_VNET = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-test';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/**
 * The console in headless Chromium (Debian's `chromium`, driven by playwright-core) against the
 * real app on the local host: what an operator does on the day, by mouse and by keyboard.
 * Saves a screenshot of each page at desktop and phone size under docs/console/.
 */
describe('the operator\'s console (/console) in a browser', () => {
  let h: RecoveryHost;
  let browser: Browser;
  let disk: ReplicatedDisk;
  let jobHash = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    h = await startRecoveryHost({ ASR_CONSOLE_RESOURCE_GROUP: RG, DRILL_POLL_SECONDS: '1' }, { app: resolve(__dirname, 'fixture-app') });
    const ids = await createSite(h, [{ name: 'web1', disks: ['os'] }, { name: 'app2', disks: ['os'] }]);
    disk = new ReplicatedDisk(h, 'web1', 'os', 2 * MIB);
    await disk.change(Date.now() - 20 * 60_000, ['write -P 0x21 0 256k'], { full: true });
    await new ReplicatedDisk(h, 'app2', 'os', 2 * MIB).change(Date.now() - 60_000, ['write -P 0x31 0 256k'], { full: true });
    // A second plan for the drills: its own machine, so its drills never meet the shop's failover.
    const smoke = { actionName: 'smoke', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Smoke-test app2' } };
    const nightly = await h.call('PUT', `${V}/replicationRecoveryPlans/nightly`, {
      properties: { primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.app2 }], endGroupActions: [smoke] }] },
    });
    expect(nightly.status).toBeLessThan(300);
    const manual = { actionName: 'verify', failoverTypes: ['TestFailover'], failoverDirections: ['PrimaryToRecovery'], customDetails: { instanceType: 'ManualActionDetails', description: 'Open the shop and buy one thing <img src=x>' } };
    const plan = await h.call('PUT', `${V}/replicationRecoveryPlans/shop`, {
      properties: { primaryFabricId: `${V}/replicationFabrics/hv-site`, recoveryFabricId: 'Microsoft Azure', groups: [{ groupType: 'Boot', replicationProtectedItems: [{ id: ids.web1 }], endGroupActions: [manual] }] },
    });
    expect(plan.status).toBeLessThan(300);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  async function signIn(role: 'Reader' | 'Operator' | 'Contributor', viewport = DESKTOP): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(`${h.host.baseUrl}/console`);
    await page.fill('#token', await h.token(role));
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Vaults")');
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: resolve(SHOTS, `${name}.png`), fullPage: true });

  it('serves the page with a CSP, paints in under a second, and signs in with a development token', async () => {
    const res = await fetch(`${h.host.baseUrl}/console`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${h.host.baseUrl}/console`);
    await page.waitForSelector('#token');
    // Navigation timing: first contentful paint, from the start of the navigation (ms).
    const paint = await page.evaluate<number>("performance.getEntriesByName('first-contentful-paint')[0].startTime");
    process.stdout.write(`console first contentful paint: ${paint.toFixed(0)} ms\n`);
    expect(paint).toBeLessThan(1000);
    await shot(page, 'sign-in-desktop');
    await page.close();
  }, 60_000);

  it('shows the item with its RPO against the threshold, and the RPO drops after a sync', async () => {
    const page = await signIn('Operator');
    await page.click('a:text("vault1")');
    const rpo = page.locator('tr[data-item="web1"] td.rpo');
    await rpo.waitFor();
    const before = await rpo.textContent();
    expect(before).toMatch(/^2\dm \d\ds \(warning above 2m 00s, critical above 5m 00s\)$/);
    await shot(page, 'vault-desktop');
    await disk.change(Date.now(), ['write -P 0x22 1M 64k']);
    await page.click('#refresh');
    await waitFor(async () => (await rpo.textContent()) !== before, { describe: 'the RPO to change after the sync' });
    expect(await rpo.textContent()).toMatch(/^\d+s \(warning above 2m 00s, critical above 5m 00s\)$/);
    await page.setViewportSize(PHONE);
    await shot(page, 'vault-phone');
    await page.close();
  }, 90_000);

  it('starts a test failover from the plan page after a confirmation, and the job stops at the manual action', async () => {
    const page = await signIn('Operator');
    await page.goto(`${h.host.baseUrl}/console#/vaults/vault1/plans/shop`);
    await page.waitForSelector('h1:text("Plan shop")');
    await shot(page, 'plan-desktop');
    await page.click('button:text("Test failover")');
    await page.waitForSelector('dialog[open]');
    expect(await page.textContent('dialog')).toContain('This will bring every machine of the plan up in the isolated test network');
    await page.fill('#network', TEST_VNET);
    await page.selectOption('#point', 'LatestProcessed');
    await page.click('dialog button:text("Confirm")');
    await page.waitForSelector('#instructions', { timeout: 60_000 });
    // Text from the API is shown as text: the markup in the instructions is not parsed.
    expect(await page.textContent('#instructions')).toBe('Open the shop and buy one thing <img src=x>');
    expect(await page.locator('main img').count()).toBe(0);
    jobHash = new URL(page.url()).hash;
    await shot(page, 'job-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'job-phone');
    await page.close();
  }, 120_000);

  it('a Reader sees the plan and the waiting action with no enabled button', async () => {
    const page = await signIn('Reader');
    await page.goto(`${h.host.baseUrl}/console#/vaults/vault1/plans/shop`);
    await page.waitForSelector('h1:text("Plan shop")');
    expect(await page.locator('main button').count()).toBeGreaterThan(0);
    expect(await page.locator('main button:enabled').count()).toBe(0);
    // The drill button is there, disabled, saying why (the plan has no drill schedule).
    expect(await page.textContent('button[data-operation=drill]')).toContain('no drill schedule');
    await page.setViewportSize(PHONE);
    await shot(page, 'plan-phone');
    await page.goto(`${h.host.baseUrl}/console${jobHash}`);
    await page.waitForSelector('#instructions');
    expect(await page.locator('main button:enabled').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('approves the manual action with the keyboard only, then the job waits for cleanup; cleanup finishes it', async () => {
    const page = await signIn('Operator');
    await page.goto(`${h.host.baseUrl}/console${jobHash}`);
    await page.waitForSelector('#instructions');
    for (let i = 0; i < 40 && await page.evaluate<string | undefined>('document.activeElement?.id') !== 'comment'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('comment');
    await page.keyboard.type('bought one');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('resume');
    await page.keyboard.press('Enter');
    await page.locator('#instructions').waitFor({ state: 'detached', timeout: 60_000 });
    await page.locator('main p:has-text("WaitingForStopTestFailover")').waitFor({ timeout: 60_000 });
    await page.click('a:text("Plan shop")');
    await page.click('button:text("Clean up test failover")');
    await page.fill('#comments', 'drill ok');
    await page.click('dialog button:text("Confirm")');
    await page.waitForSelector('h1:text("TestFailoverCleanup of shop")');
    await page.waitForSelector('#job-state:text("Succeeded")', { timeout: 60_000 });
    await shot(page, 'job-finished-desktop');
    await page.close();
  }, 120_000);

  it('after a committed failover the plan page offers the way home: a Reader sees it disabled; a Contributor starts a failback with the keyboard only; the events feed shows the job', async () => {
    const ended = (j: any) => ['Succeeded', 'Failed', 'Cancelled'].includes(j.properties.state);
    const failover = jobOf(await h.call('POST', `${V}/replicationRecoveryPlans/shop/unplannedFailover`, { properties: { failoverDirection: 'PrimaryToRecovery', sourceSiteOperations: 'NotRequired', providerSpecificDetails: [{ instanceType: 'HyperVReplicaAzure', recoveryPointType: 'Latest' }] } }));
    expect((await waitForJob(h, failover, ended, 90_000)).properties.state).toBe('Succeeded');
    const commit = jobOf(await h.call('POST', `${V}/replicationRecoveryPlans/shop/failoverCommit`, {}));
    expect((await waitForJob(h, commit, ended, 60_000)).properties.state).toBe('Succeeded');

    const reader = await signIn('Reader');
    await reader.goto(`${h.host.baseUrl}/console#/vaults/vault1/plans/shop`);
    await reader.waitForSelector('button:text("Fail back")');
    expect(await reader.locator('main button:enabled').count()).toBe(0);
    expect(await reader.getAttribute('button:text("Fail back")', 'title')).toBe('needs the Contributor role');
    await reader.close();

    const page = await signIn('Contributor');
    await page.goto(`${h.host.baseUrl}/console#/vaults/vault1/plans/shop`);
    await page.waitForSelector('button:text("Fail back")');
    // The way home: failback and reverse replication enabled (allowed: PlannedFailover, ReverseReplicate), the failback's commit/cancel not yet.
    expect(await page.isEnabled('button:text("Fail back")')).toBe(true);
    expect(await page.isEnabled('button:text("Reverse replicate")')).toBe(true);
    expect(await page.locator('button:text-is("Reprotect")').count()).toBe(0);
    for (const label of ['Commit failback', 'Cancel failback']) expect(await page.isDisabled(`button:text("${label}")`)).toBe(true);
    for (let i = 0; i < 40 && await page.evaluate<string | undefined>('document.activeElement?.textContent ?? undefined') !== 'Fail back'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    expect(await page.textContent('dialog')).toContain('This will ship the blocks the recovered machines wrote back to the primary site');
    await page.focus('#data-sync');
    await page.keyboard.press('ArrowDown'); // ForDownTime
    expect(await page.inputValue('#data-sync')).toBe('ForDownTime');
    await page.keyboard.press('Tab'); // alternate location, left empty
    await page.keyboard.press('Tab'); // Cancel
    await page.keyboard.press('Tab'); // Confirm
    await page.keyboard.press('Enter');
    await page.waitForSelector('h1:text("Failback of shop")', { timeout: 30_000 });
    const job = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    await shot(page, 'failback-desktop');
    // No agent serves the rounds here: cancel, which starts the recovered machine again.
    expect((await h.call('POST', `${V}/replicationJobs/${job}/cancel`, {}, 'Operator')).status).toBe(200);
    expect((await waitForJob(h, job, ended, 60_000)).properties.state).toBe('Cancelled');

    await page.click('a:text("Vault vault1")');
    await page.waitForSelector('#events');
    const started = page.locator(`#events li[data-event="JobStarted"]:has(a[href$="/jobs/${job}"])`);
    expect(await started.count()).toBe(1);
    const cancelled = page.locator(`#events li[data-event="JobCancelled"]:has(a[href$="/jobs/${job}"])`);
    expect(await cancelled.locator('.badge').textContent()).toBe('Warning');
    // Newest first: the cancel is above the start.
    const codes = await page.locator('#events li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-event')));
    expect(codes.indexOf('JobCancelled')).toBeLessThan(codes.lastIndexOf('JobStarted'));
    await shot(page, 'vault-events-desktop');
    await page.close();
  }, 240_000);

  it('shows the plan\'s drill history with each verdict and what failed, and a Reader downloads a run\'s report (Excel opens, HTML by keyboard) and a finished job\'s report', async () => {
    const schedules = `${V}/replicationRecoveryPlans/nightly/drillSchedules`;
    const drill = (over: Record<string, unknown>) => ({ properties: { schedule: '0 0 2 * * *', enabled: false, verification: 'Disks', keepUpSeconds: 1, testNetworkId: 'drill-isolated', ...over } });
    // 'a-nightly' (the Drill button runs the first) approves its manual action; 'b-strict' waits for it 1 s and fails.
    expect((await h.call('PUT', `${schedules}/a-nightly`, drill({ manualActions: [{ actionName: 'smoke', mode: 'AutoApprove' }] }))).status).toBe(201);
    expect((await h.call('PUT', `${schedules}/b-strict`, drill({ manualActionDeadlineSeconds: 1 }))).status).toBe(201);
    const runsDone = async (schedule: string, n: number) => waitFor(async () => {
      const runs = (await h.call('GET', `${schedules}/${schedule}/drillRuns`, undefined, 'Reader')).body.value as any[];
      return runs.length >= n && runs.every((r) => r.properties.phase === 'Done') ? runs : undefined;
    }, { describe: `${n} finished drill run(s) of ${schedule}`, timeoutMs: 120_000 });

    const operator = await signIn('Operator');
    await operator.goto(`${h.host.baseUrl}/console#/vaults/vault1/plans/nightly`);
    await operator.click('button[data-operation=drill]');
    await operator.click('dialog button:text("Confirm")');
    await operator.waitForSelector('h1:text("TestFailover of nightly")', { timeout: 60_000 });
    await operator.close();
    const [passed] = await runsDone('a-nightly', 1);
    expect(passed.properties.result).toBe('Passed');
    expect((await h.call('POST', `${schedules}/b-strict/run`, {}, 'Operator')).status).toBe(202);
    const [failed] = await runsDone('b-strict', 1);
    expect(failed.properties.result).toBe('Failed');

    const page = await signIn('Reader');
    await page.goto(`${h.host.baseUrl}/console#/vaults/vault1/plans/nightly`);
    await page.waitForSelector('h2#drills');
    const passedRow = page.locator(`section[data-schedule="a-nightly"] tr[data-run="${passed.name}"]`);
    expect(await passedRow.getAttribute('data-result')).toBe('Passed');
    expect(await passedRow.locator('.badge').textContent()).toBe('Passed');
    const failedRow = page.locator(`section[data-schedule="b-strict"] tr[data-run="${failed.name}"]`);
    expect(await failedRow.locator('.badge').textContent()).toBe('Failed');
    // What failed: the run's failing machine and check, or its reason, as the API recorded it.
    const why = failed.properties.failures.length ? `machine ${failed.properties.failures[0].machine}` : String(failed.properties.reason);
    expect(await failedRow.locator('td.failed-what').textContent()).toContain(why);
    await shot(page, 'drills-desktop');

    // Excel: the download carries the Reader's token (fetch + blob) and exceljs opens the file.
    const dir = tempDir('console-downloads-');
    const [xlsx] = await Promise.all([page.waitForEvent('download'), passedRow.locator('button[data-report=xlsx]').click()]);
    expect(xlsx.suggestedFilename()).toBe(`${passed.properties.testFailoverJobId}-report.xlsx`);
    await xlsx.saveAs(join(dir.path, 'run.xlsx'));
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(dir.path, 'run.xlsx'));
    expect(book.worksheets.map((w) => w.name)).toEqual(['Summary', 'Machines', 'Steps', 'Approvals', 'Errors']);
    const summary = new Map<string, unknown>();
    book.getWorksheet('Summary')!.eachRow((row) => summary.set(String(row.getCell(1).value), row.getCell(2).value));
    expect([...summary.values()].map(String)).toContain('Passed');

    // HTML with the keyboard only: Tab to the run's HTML button, Enter.
    const htmlLabel = `Download the report of drill run ${passed.name} of a-nightly (HTML)`;
    for (let i = 0; i < 60 && await page.evaluate<string | null>('document.activeElement?.getAttribute("aria-label") ?? null') !== htmlLabel; i++) await page.keyboard.press('Tab');
    const [html] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    await html.saveAs(join(dir.path, 'run.html'));
    expect(readFileSync(join(dir.path, 'run.html'), 'utf8')).toContain('<table');
    await page.setViewportSize(PHONE);
    await shot(page, 'drills-phone');

    // A finished job's page offers its report too (JSON here).
    await page.setViewportSize(DESKTOP);
    await passedRow.locator('a:text("Job")').click();
    await page.waitForSelector('#report');
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#report button[data-report=json]')]);
    await json.saveAs(join(dir.path, 'job.json'));
    expect(JSON.parse(readFileSync(join(dir.path, 'job.json'), 'utf8'))).toMatchObject({ reportVersion: 1, outcome: 'Passed' });
    await shot(page, 'job-report-desktop');
    await page.close();
    dir.cleanup();
  }, 240_000);
});
