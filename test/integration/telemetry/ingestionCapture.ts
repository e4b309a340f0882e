import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** One Application Insights envelope as the SDK posts it to `{IngestionEndpoint}/v2.1/track`. */
export interface Envelope {
  name: string;
  time: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, any> };
}

export interface IngestionCapture {
  /** The connection string that sends the SDK's telemetry here. */
  connectionString: string;
  envelopes: Envelope[];
  /** Envelopes of one base type: RequestData, RemoteDependencyData, MessageData, MetricData, ExceptionData. */
  of(baseType: string): Envelope[];
  stop(): Promise<void>;
}

/**
 * A local stand-in for Application Insights' ingestion endpoint: accepts what the real SDK posts
 * (gzip or plain JSON arrays, or newline-delimited JSON) and keeps every envelope for the test.
 */
export async function startIngestionCapture(): Promise<IngestionCapture> {
  const envelopes: Envelope[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const text = body.toString('utf8').trim();
      const items: Envelope[] = text.startsWith('[') ? JSON.parse(text) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      if (req.url?.includes('/track')) envelopes.push(...items);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    connectionString: `InstrumentationKey=00000000-0000-0000-0000-0000000000a1;IngestionEndpoint=http://127.0.0.1:${port}/`,
    envelopes,
    of: (baseType) => envelopes.filter((e) => e.data?.baseType === baseType),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
