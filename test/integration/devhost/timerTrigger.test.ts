import { join, resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, TestAzurite } from '../../support/azurite';
import { RunningFunclocal, startFunclocal } from '../../support/funclocal';
import { tempDir } from '../../support/tempDir';
import { readRecords, waitFor } from './triggerRecords';

const APP = resolve(__dirname, '../../fixtures/apps/timer-app');

describe('funclocal timer trigger (fixture app over real Azurite)', () => {
  let azurite: TestAzurite;
  let host: RunningFunclocal | undefined;
  let dir: { path: string; cleanup(): void };
  let records: string;
  const start = () => startFunclocal({ app: APP, storage: azurite.connectionString, env: { FIXTURE_RECORD_FILE: records } });

  beforeAll(async () => {
    dir = tempDir('timertrigger-');
    records = join(dir.path, 'records.jsonl');
    azurite = await startAzurite();
    host = await start();
  });
  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
    dir?.cleanup();
  });

  it('fires a 6-field schedule (from a %Setting%) every second and keeps the status blob', async () => {
    const ticks = await waitFor('3 ticks', () => readRecords(records, 'tick').length >= 3 && readRecords(records, 'tick'), 8000);
    const gaps = ticks.slice(1, 3).map((t, i) => t.at - ticks[i].at);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(500);
      expect(gap).toBeLessThan(1600);
    }
    expect(ticks[0].isPastDue).toBe(false);
    expect(ticks[1].scheduleStatus).toEqual(expect.objectContaining({ last: expect.any(String), next: expect.any(String), lastUpdated: expect.any(String) }));

    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('azure-webjobs-hosts');
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'timers/' })) names.push(b.name);
    const statusName = names.find((n) => /^timers\/[^/]+\/tick\/status$/.test(n));
    expect(statusName).toBeDefined();
    const status = JSON.parse((await container.getBlobClient(statusName!).downloadToBuffer()).toString('utf8'));
    expect(Object.keys(status).sort()).toEqual(['Last', 'LastUpdated', 'Next']);
    expect(Date.parse(status.Next)).toBeGreaterThan(Date.parse(status.Last));
    expect(new Date(status.Next).getUTCMilliseconds()).toBe(0);
  });

  it('runs a runOnStartup timer at start, not past due', () => {
    const yearly = readRecords(records, 'yearly');
    expect(yearly).toHaveLength(1);
    expect(yearly[0].isPastDue).toBe(false);
  });

  it('reports isPastDue once after a restart that missed an occurrence, then runs on schedule', async () => {
    await host!.stop();
    host = undefined;
    const before = readRecords(records, 'tick').length;
    // Down long enough to miss an occurrence: until the status blob's next occurrence is a second past.
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('azure-webjobs-hosts');
    let next = NaN;
    for await (const b of container.listBlobsFlat({ prefix: 'timers/' })) {
      if (/\/tick\/status$/.test(b.name)) next = Date.parse(JSON.parse((await container.getBlobClient(b.name).downloadToBuffer()).toString('utf8')).Next);
    }
    expect(next).toBeGreaterThan(0);
    await waitFor('the next tick occurrence to pass while the host is down', () => Date.now() > next + 1000, 10_000);
    host = await start();
    const after = await waitFor('2 ticks after restart', () => {
      const r = readRecords(records, 'tick').slice(before);
      return r.length >= 2 && r;
    }, 8000);
    expect(after[0].isPastDue).toBe(true);
    expect(after[1].isPastDue).toBe(false);
    // runOnStartup fires at every start.
    expect(readRecords(records, 'yearly')).toHaveLength(2);
  });

  it('runs a timer on one host only when two hosts of the same app share the storage', async () => {
    const second = await start();
    try {
      await waitFor('the second host to wait for the lock', () => /\[tick\] Another host of this app runs this timer/.test(second.logs()), 5000);
      const from = Date.now();
      // Three occurrences, each run once: a second host running the timer too would add a tick
      // within milliseconds of another (the same occurrence), so consecutive ticks are ~1 s apart.
      const ticks = await waitFor('3 ticks with two hosts up', () => {
        const t = readRecords(records, 'tick').filter((r) => r.at >= from);
        return t.length >= 3 && t;
      }, 10_000);
      const gaps = ticks.slice(1).map((t, i) => t.at - ticks[i].at);
      expect(gaps.filter((g) => g < 500)).toEqual([]);
      expect(readRecords(records, 'yearly')).toHaveLength(2);
    } finally {
      await second.stop();
    }
  });
});
