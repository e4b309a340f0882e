import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../../support/waitFor';
import { durableApi, Status } from './durableTestClient';

const APP = resolve(__dirname, '../../fixtures/apps/durable-crash');

/** Activity results recorded in an instance's history (completed as far as storage knows). */
function completedTags(s: Status): string[] {
  return (s.historyEvents ?? []).filter((e) => e.EventType === 'TaskCompleted').map((e) => e.Result as string);
}

describe('Durable orchestrations survive a kill -9 of the host', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal | undefined;
  const dir = tempDir('durable-crash-');
  const file = join(dir.path, 'side-effects.txt');
  beforeAll(async () => {
    azurite = await startAzurite();
    writeFileSync(file, '');
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    dir.cleanup();
  });

  it('resumes every instance after a restart: timers fire, lost activities re-run, completed ones never do', async () => {
    const run = () => startFunclocal({ app: APP, storage: azurite.connectionString, env: { SIDE_EFFECTS_FILE: file } });
    host = await run();
    let d = durableApi(host.baseUrl);
    const seq = await d.start('crashSequence', undefined, 'seq');
    const fan = await d.start('crashFanOut', undefined, 'fan');
    const timer = await d.start('crashTimer', undefined, 'timer');

    // Crash while the sequence is half-way, the fan-out has activities in flight and the timer is pending.
    let before: Record<string, string[]> = {};
    await waitFor(async () => {
      const snap: Record<string, string[]> = {};
      for (const id of [seq, fan, timer]) snap[id] = completedTags((await d.status(id, 'showHistory=true&showHistoryOutput=true')).body);
      before = snap;
      return snap[seq].length >= 1 && snap[fan].length >= 4;
    }, { timeoutMs: 20_000, intervalMs: 50, describe: () => `one sequence step and four fan-out branches to complete before the crash (so far: ${JSON.stringify(before)})\n${host?.logs() ?? ''}` });
    await host.kill('SIGKILL');
    expect(before[seq].length).toBeLessThan(6);
    expect(before[fan].length).toBeLessThan(24);
    expect(before[timer]).toEqual([]);

    host = await run();
    d = durableApi(host.baseUrl);
    const [s, f, t] = [await d.waitFor(seq, undefined, 40000), await d.waitFor(fan, undefined, 40000), await d.waitFor(timer, undefined, 40000)];
    expect(s).toMatchObject({ runtimeStatus: 'Completed', output: [0, 1, 2, 3, 4, 5].map((i) => `seq:step${i}`) });
    expect(f.runtimeStatus).toBe('Completed');
    expect(f.output).toEqual(Array.from({ length: 24 }, (_, i) => `fan:branch${i}`));
    expect(t).toMatchObject({ runtimeStatus: 'Completed', output: { tag: 'timer:after-timer' } });
    // Status times are whole seconds, as the extension's; compare at that precision.
    expect(Date.parse(t.lastUpdatedTime)).toBeGreaterThanOrEqual(Math.floor(Date.parse(t.output.firedAfter) / 1000) * 1000);

    const counts = new Map<string, number>();
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
    const expected = [...s.output, ...f.output, t.output.tag] as string[];
    for (const tag of expected) expect(counts.get(tag)).toBeGreaterThanOrEqual(1); // at least once
    for (const tag of [...before[seq], ...before[fan]]) expect({ tag, ran: counts.get(tag) }).toEqual({ tag, ran: 1 }); // completed before the crash: exactly once
    expect([...counts.keys()].sort()).toEqual([...expected].sort()); // nothing ran that was not asked for
    // Only work in flight at the crash may run twice: at most one sequence step and the fan-out's running branches (4 slots).
    const reruns = [...counts.values()].filter((n) => n > 1).length;
    expect(reruns).toBeLessThanOrEqual(5);
  });

  it('survives repeated kills at arbitrary moments without losing or repeating completed work', async () => {
    const chaosFile = join(dir.path, 'chaos.txt');
    writeFileSync(chaosFile, '');
    const run = () => startFunclocal({ app: APP, storage: azurite.connectionString, env: { SIDE_EFFECTS_FILE: chaosFile } });
    await host?.stop();
    host = await run();
    let d = durableApi(host.baseUrl);
    const ids = [await d.start('crashFanOut', undefined, 'chaos-fan'), await d.start('crashSequence', undefined, 'chaos-seq')];
    const completedBefore = new Set<string>();
    const snapshot = async () => {
      const tags = new Set<string>();
      for (const id of ids) completedTags((await d.status(id, 'showHistory=true&showHistoryOutput=true')).body).forEach((t) => tags.add(t));
      return tags;
    };
    for (const pause of [0, 400, 150]) {
      // Each round: wait for some progress of this host, then kill it a little later.
      await waitFor(async () => (await snapshot()).size > completedBefore.size, {
        timeoutMs: 20_000, intervalMs: 50, describe: () => `progress past ${completedBefore.size} completed activities before kill ${pause}`,
      });
      // Not a wait for anything: where the kill lands (0, 400, 150 ms after the progress) is the
      // chaos under test, so it is a deliberate delay.
      await new Promise((r) => setTimeout(r, pause));
      (await snapshot()).forEach((t) => completedBefore.add(t));
      await host.kill('SIGKILL');
      host = await run();
      d = durableApi(host.baseUrl);
    }
    const fan = await d.waitFor('chaos-fan', undefined, 40000);
    const seq = await d.waitFor('chaos-seq', undefined, 40000);
    expect(fan).toMatchObject({ runtimeStatus: 'Completed', output: Array.from({ length: 24 }, (_, i) => `chaos-fan:branch${i}`) });
    expect(seq).toMatchObject({ runtimeStatus: 'Completed', output: [0, 1, 2, 3, 4, 5].map((i) => `chaos-seq:step${i}`) });
    const counts = new Map<string, number>();
    for (const line of readFileSync(chaosFile, 'utf8').split('\n').filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
    for (const tag of [...fan.output, ...seq.output]) expect(counts.get(tag)).toBeGreaterThanOrEqual(1);
    expect(completedBefore.size).toBeGreaterThanOrEqual(3); // progress was made (and recorded) before every kill
    for (const tag of completedBefore) expect({ tag, ran: counts.get(tag) }).toEqual({ tag, ran: 1 });
  });

  it('callHttp keeps polling the 202 Location after a kill -9: the long-running job is started once', async () => {
    // The job's server lives in the test, so it outlives the host.
    let starts = 0;
    let polls = 0;
    let done = false;
    const server = createServer((req, res) => {
      if (req.method === 'POST') starts++; else polls++;
      const location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/job/status`;
      if (req.method === 'GET' && done) { res.writeHead(200, { 'content-type': 'text/plain' }).end('finished'); return; }
      res.writeHead(202, { Location: location, 'Retry-After': '1' }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      host = await startFunclocal({ app: APP, storage: azurite.connectionString, env: { SIDE_EFFECTS_FILE: file } });
      const id = await durableApi(host.baseUrl).start('crashCallHttp', { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/job` });
      await waitFor(async () => polls >= 1, { timeoutMs: 20_000, describe: 'the host polling the job' });
      await host.kill('SIGKILL');
      host = await startFunclocal({ app: APP, storage: azurite.connectionString, env: { SIDE_EFFECTS_FILE: file } });
      const pollsBefore = polls;
      await waitFor(async () => polls > pollsBefore, { timeoutMs: 30_000, describe: 'the restarted host polling again' });
      done = true;
      const out = await durableApi(host.baseUrl).waitFor(id, undefined, 30_000);
      expect(out).toMatchObject({ runtimeStatus: 'Completed', output: { statusCode: 200, content: 'finished' } });
      expect(starts).toBe(1); // before: the restarted task sent the POST again
    } finally {
      server.close();
    }
  });
});
