import { CosmosClient, type Container } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../../devhost/emulators/EmulatorSettings';
import { startCosmosServer, type CosmosServer } from '../../../devhost/emulators/CosmosServer';
import { ItemsClass } from '../../../devhost/emulators/cosmosInternals';

describe('the local Cosmos DB server and query plans', () => {
  let server: CosmosServer;
  let client: CosmosClient;
  let container: Container;
  let executions: string[];
  // Counts what the server's query engine runs: a plan request must not run the query.
  const proto = ItemsClass.prototype as unknown as { query(this: unknown, ...args: unknown[]): unknown };
  const original = proto.query;

  beforeAll(async () => {
    server = await startCosmosServer({ host: '127.0.0.1', port: 0 });
    client = new CosmosClient({ endpoint: server.endpoint, key: COSMOS_EMULATOR_KEY });
    const { database } = await client.databases.create({ id: 'plans' });
    ({ container } = await database.containers.create({ id: 'c', partitionKey: { paths: ['/pk'] } }));
    for (let n = 0; n < 12; n++) await container.items.create({ id: `d${String(n).padStart(2, '0')}`, pk: n % 2 ? 'odd' : 'even', n });
    proto.query = function counted(this: unknown, ...args: unknown[]) {
      executions.push((args[0] as { query: string }).query);
      return original.apply(this, args);
    };
  });
  beforeEach(() => { executions = []; });
  afterAll(async () => {
    proto.query = original;
    client.dispose();
    await server.stop();
  });

  it('answers the SDK\'s plan request without running the query: one execution per page', async () => {
    const sql = { query: 'SELECT * FROM c WHERE c.pk = @pk ORDER BY c.n DESC', parameters: [{ name: '@pk', value: 'odd' }] };
    const first = await container.items.query<{ n: number }>(sql, { partitionKey: 'odd', maxItemCount: 4 }).fetchNext();
    expect(first.resources.map((d) => d.n)).toEqual([11, 9, 7, 5]);
    expect(executions).toEqual([sql.query]);
    const next = await container.items.query<{ n: number }>(sql, { partitionKey: 'odd', maxItemCount: 4, continuationToken: first.continuationToken }).fetchNext();
    expect(next.resources.map((d) => d.n)).toEqual([3, 1]);
    expect(executions).toHaveLength(2);
  });

  it('still answers queries across partitions, aggregates and TOP, in the server\'s order', async () => {
    const all = await container.items.query<{ id: string }>('SELECT c.id FROM c ORDER BY c.id').fetchAll();
    expect(all.resources.map((d) => d.id)).toEqual(Array.from({ length: 12 }, (_, n) => `d${String(n).padStart(2, '0')}`));
    const { resources: [count] } = await container.items.query<number>('SELECT VALUE COUNT(1) FROM c WHERE c.n > 5').fetchAll();
    expect(count).toBe(6);
    const { resources: top } = await container.items.query<{ n: number }>('SELECT TOP 2 c.n FROM c ORDER BY c.n DESC').fetchAll();
    expect(top.map((d) => d.n)).toEqual([11, 10]);
  });

  it('answers a plan request with a plan, as the gateway does', async () => {
    const res = await fetch(`${server.endpoint}dbs/plans/colls/c/docs`, {
      method: 'POST',
      headers: { 'x-ms-cosmos-is-query-plan-request': 'True', 'content-type': 'application/query+json', 'x-ms-documentdb-isquery': 'True' },
      body: JSON.stringify({ query: 'SELECT * FROM c' }),
    });
    const plan = await res.json() as { queryInfo?: { orderBy: unknown[] }; queryRanges?: unknown[]; Documents?: unknown };
    expect(res.status).toBe(200);
    expect(plan.queryInfo?.orderBy).toEqual([]);
    expect(plan.queryRanges).toHaveLength(1);
    expect(plan.Documents).toBeUndefined();
    expect(executions).toHaveLength(0);
  });
});
