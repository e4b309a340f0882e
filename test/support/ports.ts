import { createServer } from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago. Racy by nature: between this close and
 * the caller's bind, a parallel suite may take it. Prefer letting the server bind port 0 and
 * report its port; where a child process must be told its port up front, start it through
 * {@link startOnFreePort}, which retries with a fresh port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a start failed because its port was taken (a Node error code, or a child's output quoting it). */
export function isPortTaken(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code === 'EADDRINUSE' || /EADDRINUSE|address already in use|is already in use/i.test(e?.message ?? '');
}

export interface StartOnFreePortOptions {
  /** How many fresh ports to try before giving up (default 5). */
  attempts?: number;
  /** Where ports come from (default {@link freePort}); tests of the retry inject a taken one. */
  pick?: () => Promise<number>;
}

/**
 * Starts something that must know its port before it binds (a child process whose own URL goes
 * into its settings): picks a free port and calls `start(port)`; if that start fails because
 * the port was taken meanwhile, tries again with a fresh port. Any other failure is final.
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>, options: StartOnFreePortOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const pick = options.pick ?? freePort;
  const taken: number[] = [];
  for (;;) {
    const port = await pick();
    try {
      return await start(port);
    } catch (err) {
      if (!isPortTaken(err)) throw err;
      taken.push(port);
      if (taken.length >= attempts) {
        throw new Error(`no free port after ${attempts} attempts (taken between pick and bind: ${taken.join(', ')}): ${(err as Error).message}`, { cause: err });
      }
    }
  }
}
