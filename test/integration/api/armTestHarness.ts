import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ArmApi } from '../../../shared/arm';

/**
 * TEST HARNESS ONLY: serves `shared/arm` over node:http on a free loopback port so the
 * official client can talk to it before the local Functions host exists. The product serves
 * the same `ArmApi.handle` through `functions/http/armApi.ts`.
 */
export interface ArmTestHarness {
  url: string;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startArmTestHarness(api: ArmApi): Promise<ArmTestHarness> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const bodyText = await readBody(req);
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      const out = await api.handle({
        method: req.method ?? 'GET',
        url: `http://${req.headers.host}${req.url}`,
        headers,
        bodyText: bodyText.length ? bodyText : undefined,
      });
      res.writeHead(out.status, out.headers);
      res.end(out.raw !== undefined ? out.raw : out.body === undefined ? undefined : JSON.stringify(out.body));
    })().catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
