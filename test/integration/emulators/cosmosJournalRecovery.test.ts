import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CosmosClient, Container } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../../devhost/emulators/EmulatorSettings';
import { CosmosServer, startCosmosServer } from '../../../devhost/emulators/CosmosServer';
import { tempDir } from '../../support/tempDir';

const servers: CosmosServer[] = [];

async function start(dataDir: string, compactAtBytes?: number): Promise<{ server: CosmosServer; client: CosmosClient }> {
  const server = await startCosmosServer({ host: '127.0.0.1', port: 0, dataDir, compactAtBytes });
  servers.push(server);
  return { server, client: new CosmosClient({ endpoint: server.endpoint, key: COSMOS_EMULATOR_KEY }) };
}

/** Starts a server on `dir`, runs `write` against container db/c, then stops cleanly. */
async function writeThenStop(dir: string, write: (container: Container) => Promise<unknown>): Promise<void> {
  const { server, client } = await start(dir);
  const { database } = await client.databases.create({ id: 'db' });
  const { container } = await database.containers.create({ id: 'c', partitionKey: { paths: ['/id'] } });
  await write(container);
  client.dispose();
  await server.stop();
}

async function dump(container: Container): Promise<unknown[]> {
  const { resources } = await container.items.query('SELECT * FROM c ORDER BY c.id').fetchAll();
  return resources;
}

describe('Cosmos journal recovery', () => {
  const dirs: { path: string; cleanup(): void }[] = [];
  const fresh = () => {
    const d = tempDir('cosmos-journal-');
    dirs.push(d);
    return join(d.path, 'cosmos');
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    dirs.forEach((d) => d.cleanup());
  });

  it('replays patch, replace, UDF and container/database deletes exactly, system properties included', async () => {
    const dir = fresh();
    const a = await start(dir);
    const { database } = await a.client.databases.create({ id: 'vault' });
    const { container } = await database.containers.create({ id: 'items', partitionKey: { paths: ['/pk'] } });
    await container.items.create({ id: 'p1', pk: 'a', n: 1, tags: ['x'] });
    await container.item('p1', 'a').patch([{ op: 'incr', path: '/n', value: 41 }, { op: 'add', path: '/tags/-', value: 'y' }]);
    await container.items.upsert({ id: 'b2', pk: 'a', n: 3 });
    await container.item('b2', 'a').replace({ id: 'b2', pk: 'a', n: 4 });
    await container.items.create({ id: 'gone', pk: 'a' });
    await container.item('gone', 'a').delete();
    await container.scripts.userDefinedFunctions.create({ id: 'double', body: 'function (x) { return x * 2; }' });
    const { container: doomed } = await database.containers.create({ id: 'doomed' });
    await doomed.items.create({ id: 'd' });
    await doomed.delete();
    const { database: doomedDb } = await a.client.databases.create({ id: 'doomedDb' });
    await doomedDb.containers.create({ id: 'c' });
    await doomedDb.delete();
    const before = await dump(container);
    a.client.dispose();
    await a.server.stop();

    const b = await start(dir);
    expect(b.server.recovery).toMatchObject({ snapshotRecords: 1, tornTail: false }); // the empty state: one id counter
    expect(b.server.recovery!.journalRecords).toBeGreaterThan(10);
    const again = b.client.database('vault').container('items');
    expect(await dump(again)).toEqual(before);
    expect((await b.client.databases.readAll().fetchAll()).resources.map((d) => d.id)).toEqual(['vault']);
    expect((await b.client.database('vault').containers.readAll().fetchAll()).resources.map((c) => c.id))
      .toEqual(['items']);
    const { resources } = await again.items.query('SELECT VALUE udf.double(c.n) FROM c WHERE c.id = "p1"').fetchAll();
    expect(resources).toEqual([84]);
    // New writes after a replay get fresh resource ids, not ones already taken.
    const { resource: added } = await again.items.create({ id: 'new', pk: 'a' });
    const rids = (await dump(again)).map((d) => (d as { _rid: string })._rid);
    expect(new Set(rids).size).toBe(rids.length);
    expect(added).toBeDefined();
    b.client.dispose();
  });

  it('compacts on start: one snapshot and a fresh journal, no growth across restarts', async () => {
    const dir = fresh();
    await writeThenStop(dir, async (container) => {
      for (let round = 0; round < 3; round += 1) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => container.items.upsert({ id: `k${i}`, round })));
      }
    });
    const sizes: number[] = [];
    for (let restart = 0; restart < 3; restart += 1) {
      const s = await start(dir);
      const files = readdirSync(dir).sort();
      expect(files).toEqual([`journal-${restart + 2}.jsonl`, `snapshot-${restart + 2}.jsonl`]);
      expect(statSync(join(dir, files[0])).size).toBe(0);
      sizes.push(statSync(join(dir, files[1])).size);
      const docs = await dump(s.client.database('db').container('c'));
      expect(docs).toHaveLength(50);
      s.client.dispose();
      await s.server.stop();
    }
    expect(new Set(sizes).size).toBe(1);
  });

  it('drops a torn tail (a write cut short by a crash) and keeps everything before it', async () => {
    const dir = fresh();
    await writeThenStop(dir, (container) => container.items.create({ id: 'kept' }));
    appendFileSync(join(dir, 'journal-1.jsonl'), '0badf00d {"t":"set","p":["docs","db","c"],"rc":9,"d":{"id":"to');

    const b = await start(dir);
    expect(b.server.recovery).toMatchObject({ tornTail: true, journalRecords: 3 }); // database, container, document
    expect((await dump(b.client.database('db').container('c'))).map((d) => (d as { id: string }).id))
      .toEqual(['kept']);
    b.client.dispose();
  });

  it('refuses to start, naming file and offset, when an acknowledged record in the middle is damaged', async () => {
    const dir = fresh();
    await writeThenStop(dir, async (container) => {
      await container.items.create({ id: 'one' });
      await container.items.create({ id: 'two' });
    });
    const path = join(dir, 'journal-1.jsonl');
    const text = readFileSync(path, 'utf8');
    const at = text.indexOf('"one"');
    writeFileSync(path, `${text.slice(0, at)}"0ne"${text.slice(at + 5)}`);

    await expect(start(dir)).rejects.toMatchObject({
      code: 'CorruptFormat',
      message: expect.stringContaining('journal-1.jsonl record checksum at offset'),
    });
    // Nothing was rewritten: the damaged generation is still there for a human to look at.
    expect(readdirSync(dir).sort()).toEqual(['journal-1.jsonl', 'snapshot-1.jsonl']);
  });

  it('refuses to start when a journal has lost its snapshot, instead of silently starting empty', async () => {
    const dir = fresh();
    await writeThenStop(dir, (container) => container.items.create({ id: 'orphaned' }));
    rmSync(join(dir, 'snapshot-1.jsonl'));
    await expect(start(dir)).rejects.toMatchObject({
      code: 'CorruptFormat',
      message: expect.stringContaining('snapshot-1.jsonl is missing'),
    });
    expect(readdirSync(dir)).toEqual(['journal-1.jsonl']);
  });

  it('compacts while serving once the journal is large, and loses nothing', async () => {
    const dir = fresh();
    const { server, client } = await start(dir, 8000);
    const { database } = await client.databases.create({ id: 'db' });
    const { container } = await database.containers.create({ id: 'c', partitionKey: { paths: ['/id'] } });
    const etags = new Map<string, string>();
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(Array.from({ length: 60 }, async (_, i) => {
        const r = await container.items.upsert({ id: `k${i}`, round, pad: 'x'.repeat(100) });
        etags.set(`k${i}`, r.etag);
      }));
    }
    const generations = readdirSync(dir).filter((n) => /^snapshot-\d+\.jsonl$/.test(n));
    expect(generations).toHaveLength(1);
    expect(Number(/\d+/.exec(generations[0])![0])).toBeGreaterThan(2);
    client.dispose();
    await server.stop();

    const again = await start(dir);
    const docs = (await dump(again.client.database('db').container('c'))) as { id: string; round: number; _etag: string }[];
    expect(docs).toHaveLength(60);
    expect(docs.filter((d) => d.round !== 3 || d._etag !== etags.get(d.id))).toEqual([]);
    again.client.dispose();
  });
});
