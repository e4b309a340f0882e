/**
 * A counting HTTP proxy in front of the Cosmos DB emulator, for bench/failover: the local server
 * reports no `x-ms-request-charge`, so the bench counts operations instead (issue 17). Counts
 * each request by kind (read, write, query, query plan, other) between `reset()` and `snapshot()`.
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { isQueryPlanRequest, isQueryRequest } from '../../devhost/emulators/cosmosRequests';

export type CosmosOpKind = 'read' | 'write' | 'query' | 'plan' | 'other';

function kindOf(method: string, path: string, headers: IncomingHttpHeaders): CosmosOpKind {
  // The SDK asks the gateway for a query's plan before each query page; it reads no documents.
  if (isQueryPlanRequest(headers)) return 'plan';
  if (isQueryRequest(method, headers)) return 'query';
  if (!/\/docs(\/|$)/.test(path)) return 'other';
  if (method === 'GET') return 'read';
  if (method === 'PUT' || method === 'POST' || method === 'DELETE' || method === 'PATCH') return 'write';
  return 'other';
}

export class CosmosOpCounter {
  private counts: Record<CosmosOpKind, number> = { read: 0, write: 0, query: 0, plan: 0, other: 0 };
  private conflicts = 0;

  private constructor(private readonly server: Server, readonly endpoint: string) {}

  /** Listens on a free loopback port and forwards every request to `target` (http://host:port/). */
  static async start(target: string): Promise<CosmosOpCounter> {
    const to = new URL(target);
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    let counter!: CosmosOpCounter;
    const server = createServer((req, res) => {
      const kind = kindOf(req.method ?? 'GET', req.url ?? '/', req.headers);
      counter.counts[kind] += 1;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        // A kept-alive socket the server had closed fails at once (ECONNRESET/EPIPE): send once more on a new socket.
        const send = (retry: boolean) => {
          const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent: retry ? agent : false }, (up) => {
            if (up.statusCode === 412 || up.statusCode === 409) counter.conflicts += 1;
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          });
          out.on('error', (err: NodeJS.ErrnoException) => {
            if (retry && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return send(false);
            res.writeHead(502); res.end(String(err));
          });
          out.end(body);
        };
        send(true);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    counter = new CosmosOpCounter(server, `http://127.0.0.1:${port}/`);
    return counter;
  }

  reset(): void {
    this.counts = { read: 0, write: 0, query: 0, plan: 0, other: 0 };
    this.conflicts = 0;
  }

  /** Operations since the last reset (`total` leaves out query plans), and how many answered 412/409 (lost ETag races). */
  snapshot(): Record<CosmosOpKind, number> & { total: number; conflicts: number } {
    const c = this.counts;
    return { ...c, total: c.read + c.write + c.query + c.other, conflicts: this.conflicts };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
