import { CosmosClient, Container } from '@azure/cosmos';
import { startTestEmulators, TestEmulators } from '../../support/emulators';
import { tempDir } from '../../support/tempDir';

jest.setTimeout(180000);

interface Doc {
  id: string;
  pk: string;
  v: number;
  tag: string;
}

function client(emu: TestEmulators): CosmosClient {
  return new CosmosClient({
    endpoint: emu.settings.cosmosEndpoint,
    key: emu.settings.cosmosKey,
    connectionPolicy: { enableEndpointDiscovery: false, requestTimeout: 5000,
      retryOptions: { maxRetryAttemptCount: 0, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 1 } },
  });
}

async function allDocs(container: Container): Promise<Map<string, Doc & { _etag: string }>> {
  const { resources } = await container.items.query<Doc & { _etag: string }>('SELECT * FROM c').fetchAll();
  return new Map(resources.map((d) => [d.id, d]));
}

// Second case: a tiny compaction threshold, so the journal rotates to new generations many
// times during the burst and the kill lands around a rotation.
describe.each([
  ['journal only', undefined],
  ['compacting while writing', 5000],
])('durable Cosmos in the emulators process (%s)', (_name, cosmosCompactAt) => {
  const dir = tempDir('emu-crash-');
  let emu: TestEmulators | undefined;

  afterAll(async () => {
    await emu?.stop();
    dir.cleanup();
  });

  it('keeps every acknowledged write across SIGKILL, and forgets acknowledged deletes', async () => {
    emu = await startTestEmulators({ dataDir: dir.path, cosmosCompactAt });
    let cosmos = client(emu);
    const { database } = await cosmos.databases.createIfNotExists({ id: 'vault' });
    const { container } = await database.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/pk'] } });

    // Seed documents: 0-49 the burst deletes, 50-99 it replaces, 100-119 it never touches.
    const seeded = new Map<string, string>();
    await Promise.all(Array.from({ length: 120 }, async (_, i) => {
      const id = `seed-${i}`;
      const r = await container.items.create<Doc>({ id, pk: `p${i % 7}`, v: 0, tag: 'seed' });
      seeded.set(id, r.etag);
    }));
    // One acknowledged If-Match replace before the burst, so the stale-ETag check below always
    // has an ETag that was replaced before the crash (the burst's replaces may all be unacked).
    const staleId = 'seed-100';
    const staleEtag = seeded.get(staleId)!;
    const early = await container.item(staleId, 'p2').replace<Doc>({ id: staleId, pk: 'p2', v: 100, tag: 'replaced-early' },
      { accessCondition: { type: 'IfMatch', condition: staleEtag } });

    // The burst: 300 upserts, 50 deletes, 50 replaces guarded by If-Match, all at once.
    // Each write records itself only when its acknowledgement arrives.
    const ackedPuts = new Map<string, { v: number; tag: string; etag: string }>();
    const ackedDeletes = new Set<string>();
    let acks = 0;
    let killAt!: () => void;
    const enoughAcks = new Promise<void>((resolve) => (killAt = resolve));
    const note = () => {
      acks += 1;
      if (acks === 250) killAt();
    };
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i += 1) {
      const id = `up-${i}`;
      writes.push(container.items.upsert<Doc>({ id, pk: `p${i % 7}`, v: i, tag: 'upsert' }).then((r) => {
        ackedPuts.set(id, { v: i, tag: 'upsert', etag: r.etag });
        note();
      }));
    }
    for (let i = 0; i < 50; i += 1) {
      const id = `seed-${i}`;
      writes.push(container.item(id, `p${i % 7}`).delete().then(() => {
        ackedDeletes.add(id);
        note();
      }));
    }
    for (let i = 50; i < 100; i += 1) {
      const id = `seed-${i}`;
      writes.push(container.item(id, `p${i % 7}`)
        .replace<Doc>({ id, pk: `p${i % 7}`, v: 1000 + i, tag: 'replaced' },
          { accessCondition: { type: 'IfMatch', condition: seeded.get(id)! } })
        .then((r) => {
          ackedPuts.set(id, { v: 1000 + i, tag: 'replaced', etag: r.etag });
          note();
        }));
    }
    const settled = Promise.allSettled(writes);
    await Promise.race([enoughAcks, settled]);
    emu.kill('SIGKILL');
    const killedAt = acks;
    await emu.exited;
    await settled;
    cosmos.dispose();
    expect(killedAt).toBeGreaterThanOrEqual(250);
    expect(ackedPuts.size + ackedDeletes.size).toBe(acks);

    emu = await startTestEmulators({ dataDir: dir.path, cosmosCompactAt });
    cosmos = client(emu);
    const after = await allDocs(cosmos.database('vault').container('items'));
    const missing = [...ackedPuts].filter(([id, w]) => after.get(id)?.v !== w.v || after.get(id)?.tag !== w.tag);
    expect(missing).toEqual([]);
    // The journal keeps system properties: the ETag a client was given still matches.
    const etagChanged = [...ackedPuts].filter(([id, w]) => after.get(id)?._etag !== w.etag);
    expect(etagChanged).toEqual([]);
    expect([...ackedDeletes].filter((id) => after.has(id))).toEqual([]);
    // Every seed is in a state its writes allow: untouched ones exactly as seeded; one whose
    // write was in flight at the kill either before or after that write, nothing else.
    const seedStates = Array.from({ length: 120 }, (_, i) => `seed-${i}`).filter((id) => id !== staleId).map((id) => {
      const i = Number(id.slice(5));
      const doc = after.get(id);
      const state = doc ? `${doc.tag}:${doc.v}` : 'gone';
      const allowed = i < 50 ? (ackedDeletes.has(id) ? ['gone'] : ['seed:0', 'gone'])
        : i < 100 ? (ackedPuts.has(id) ? [`replaced:${1000 + i}`] : ['seed:0', `replaced:${1000 + i}`])
          : ['seed:0'];
      return { id, state, ok: allowed.includes(state) && (i < 100 || doc?._etag === seeded.get(id)) };
    });
    expect(seedStates.filter((s) => !s.ok)).toEqual([]);

    // A stale If-Match (an ETag replaced before the crash) is still refused after the restart,
    // and the replacing write kept its ETag.
    expect(after.get(staleId)).toMatchObject({ tag: 'replaced-early', v: 100, _etag: early.etag });
    await expect(cosmos.database('vault').container('items').item(staleId, 'p2')
      .replace<Doc>({ id: staleId, pk: 'p2', v: -1, tag: 'stale' }, { accessCondition: { type: 'IfMatch', condition: staleEtag } }))
      .rejects.toMatchObject({ code: 412 });
    cosmos.dispose();
  });
});
