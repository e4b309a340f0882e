import { createServer } from 'node:net';

/**
 * A TCP port nobody listened on at 127.0.0.1 a moment ago (the kernel's choice), for a child
 * process that must be told its port up front (qemu's forwards, a benchmark's Azurite). Racy by
 * nature: the caller's bind can lose to another process, and must fail loudly when it does.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
