import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { CosmosAccountJournal } from './CosmosAccountJournal';
import { CosmosDataDir, CosmosRecoveryStats } from './CosmosDataDir';
import { AccountClass, CosmosAccount, matchRoute } from './cosmosInternals';
import { installLinearQueries } from './cosmosQueryHelpers';
import { localQueryPlan } from './cosmosQueryPlan';
import { drainRequest, isQueryPlanRequest } from './cosmosRequests';
import { isOversizedItemWrite, ITEM_TOO_LARGE } from './cosmosItemLimit';
import { JournalWriter } from './JournalWriter';
import { listenOn } from './listenOn';

export interface CosmosServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Directory for snapshot + journal; without it the data lives in memory only. */
  dataDir?: string;
  /** Compact while running once the journal holds this many bytes; 64 MiB by default. */
  compactAtBytes?: number;
  /** Receives a line for every request a handler failed on (a 500), and compactions. */
  log?: (line: string) => void;
}

export interface CosmosServer {
  /** `http://host:port/`, the endpoint to give `new CosmosClient({ endpoint, key })`. */
  endpoint: string;
  port: number;
  /** What recovery found (undefined in memory-only mode). */
  recovery?: CosmosRecoveryStats;
  /** The journal (undefined in memory-only mode); exposed for the benchmark. */
  journal?: JournalWriter;
  stop(): Promise<void>;
}

const QUERY_METRICS = 'totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;'
  + 'queryPhysicalPlanBuildTimeInMs=0.00;queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;'
  + 'indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;systemFunctionExecuteTimeInMs=0.00;'
  + 'userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;outputDocumentCount=1;'
  + 'outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00';

/**
 * Serves one request with the cosmosdb-server route handlers, in the shape the Cosmos REST
 * protocol expects. The answer is held back until every change made so far (by this request
 * or any other it could have observed) is fsynced: no client ever sees state a crash could lose.
 */
async function serve(account: CosmosAccount, journal: JournalWriter | undefined, req: IncomingMessage,
  res: ServerResponse, log: (line: string) => void): Promise<void> {
  const route = matchRoute(req);
  let body: unknown;
  if (route && req.method === 'POST' && isQueryPlanRequest(req.headers)) {
    await drainRequest(req);
    body = localQueryPlan();
  } else if (route && isOversizedItemWrite(req)) {
    await drainRequest(req);
    res.statusCode = 413;
    body = { ...ITEM_TOO_LARGE };
  } else if (!route) {
    res.statusCode = 400;
    body = { message: 'no route' };
  } else {
    try {
      body = await route[1](account, req, res, route[0]);
    } catch (err) {
      body = { message: (err as Error).message };
      res.statusCode = 500;
      log(`cosmos: ${req.method} ${req.url} failed: ${(err as Error).message}`);
    }
  }
  const obj = body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
  if (res.statusCode > 399 && obj && !obj.message) obj.message = '';
  if (obj && typeof obj._etag === 'string') res.setHeader('etag', obj._etag);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-location', `http://${req.headers.host}${req.url}`);
  res.setHeader('x-ms-activity-id', randomUUID());
  res.setHeader('x-ms-request-charge', '1');
  if (req.headers['x-ms-documentdb-populatequerymetrics']) res.setHeader('x-ms-documentdb-query-metrics', QUERY_METRICS);
  if (req.headers['a-im'] && res.statusCode === 200) {
    if (req.headers['if-none-match']) res.statusCode = 304;
    res.setHeader('etag', '1');
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (journal) await journal.waitDurable(journal.appendedSeq);
  res.end(payload);
}

/**
 * Starts a Cosmos DB (NoSQL API) server over plain HTTP: @vercel/cosmosdb-server's in-memory
 * account and handlers, made durable by a write-ahead journal when `dataDir` is given. The
 * journal is replayed and compacted before the port opens.
 */
export async function startCosmosServer(options: CosmosServerOptions): Promise<CosmosServer> {
  // Queries that cost what the container holds, not its square (cosmosQueryHelpers).
  installLinearQueries();
  const account = new AccountClass(options.host, options.port);
  const log = options.log ?? (() => undefined);
  let writer: JournalWriter | undefined;
  let recovery: CosmosRecoveryStats | undefined;
  let compactIfLarge = () => undefined as void;
  if (options.dataDir) {
    const accountJournal = new CosmosAccountJournal(account, (record) => {
      if (!writer) throw new Error('cosmos journal is not open yet');
      writer.append(record);
    });
    const dataDir = new CosmosDataDir(options.dataDir);
    ({ writer, stats: recovery } = await dataDir.recover(accountJournal));
    const limit = options.compactAtBytes ?? 64 * 1024 * 1024;
    compactIfLarge = () => {
      if (!writer || writer.bytes < limit || writer.rotating) return;
      try {
        dataDir.compactLive(accountJournal, writer, log);
      } catch (err) {
        log(`cosmos: compaction failed, journal keeps growing: ${(err as Error).message}`);
      }
    };
  }
  const journal = writer;
  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    serve(account, journal, req, res, log).then(compactIfLarge, (err: Error) => {
      // The journal failed: the change is in memory but not on disk, so it was never acknowledged.
      if (!res.headersSent) {
        res.statusCode = 503;
        res.setHeader('content-type', 'application/json');
      }
      res.end(JSON.stringify({ code: 'ServiceUnavailable', message: err.message }));
    });
  });
  try {
    await listenOn(server, options.host, options.port, 'cosmos');
  } catch (err) {
    await writer?.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${options.host}:${port}/`;
  // The account advertises itself as its own write/read region; the SDK follows that address.
  const meta = account.read();
  let stopping: Promise<void> | undefined;
  for (const loc of [...meta.writableLocations, ...meta.readableLocations]) loc.databaseAccountEndpoint = endpoint;
  return {
    endpoint, port, recovery, journal,
    stop: () => (stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await writer?.close();
    })()),
  };
}
