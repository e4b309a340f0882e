import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tempDir } from '../../support/tempDir';

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
  /** Its self-signed certificate (PEM file): `NODE_EXTRA_CA_CERTS` of the process running the SDK. */
  caFile: string;
  envelopes: Envelope[];
  /** Envelopes of one base type: RequestData, RemoteDependencyData, MessageData, MetricData, ExceptionData. */
  of(baseType: string): Envelope[];
  stop(): Promise<void>;
}

/**
 * A local stand-in for Application Insights' ingestion endpoint: accepts what the real SDK posts
 * (gzip or plain JSON arrays, or newline-delimited JSON) and keeps every envelope for the test.
 * It serves HTTPS with a self-signed certificate: the SDK's exporter rewrites an `http://`
 * IngestionEndpoint to `https://` (and drops what fails, silently unless its diag log is on).
 */
export async function startIngestionCapture(): Promise<IngestionCapture> {
  const dir = tempDir('ingestion-capture-');
  const keyFile = join(dir.path, 'key.pem');
  const caFile = join(dir.path, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', caFile], { stdio: 'ignore' });
  const envelopes: Envelope[] = [];
  const server: Server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
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
    connectionString: `InstrumentationKey=00000000-0000-0000-0000-0000000000a1;IngestionEndpoint=https://127.0.0.1:${port}/`,
    caFile,
    envelopes,
    of: (baseType) => envelopes.filter((e) => e.data?.baseType === baseType),
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => { dir.cleanup(); r(); }); }),
  };
}
