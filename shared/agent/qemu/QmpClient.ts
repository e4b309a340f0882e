import { createConnection, Socket } from 'node:net';
import { ServiceError } from '../../errors';

/**
 * A minimal QEMU Machine Protocol client over a unix socket: the greeting, `qmp_capabilities`,
 * then one command at a time (JSON per line; events are skipped). Written here rather than
 * taken from npm: the one QMP package there (`qemu-qmp`) has a single release, no types and
 * an unpinned dependency, and the protocol the agent needs is ~60 lines.
 */
export class QmpClient {
  private buffered = '';
  private waiting?: { resolve(v: unknown): void; reject(e: Error): void };
  private closed?: Error;

  private constructor(private readonly socket: Socket, readonly socketPath: string) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    const fail = (err: Error) => {
      this.closed = err;
      this.waiting?.reject(err);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new ServiceError('QemuUnreachable', `the QMP socket ${socketPath} closed`)));
  }

  /** Connects, reads the greeting and enters command mode. */
  static async connect(socketPath: string, timeoutMs = 5000): Promise<QmpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(socketPath);
      const t = setTimeout(() => { s.destroy(); reject(new ServiceError('QemuUnreachable', `no answer on the QMP socket ${socketPath} within ${timeoutMs} ms`)); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); resolve(s); });
      s.once('error', (err) => { clearTimeout(t); reject(new ServiceError('QemuUnreachable', `cannot connect to the QMP socket ${socketPath}: ${err.message}`, { cause: err })); });
    });
    const client = new QmpClient(socket, socketPath);
    await client.next(); // the greeting
    await client.execute('qmp_capabilities');
    return client;
  }

  /** Runs one command; a QMP error becomes `QemuCommandFailed` with qemu's class and description. */
  async execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    this.socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    const reply = (await this.next()) as { return?: T; error?: { class: string; desc: string } };
    if (reply.error) throw new ServiceError('QemuCommandFailed', `qemu refused ${command}: ${reply.error.desc} (${reply.error.class})`);
    return reply.return as T;
  }

  /** `human-monitor-command`: an HMP line (tests write through qemu's block layer with `qemu-io`). */
  async hmp(line: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': line });
  }

  close(): void {
    this.socket.destroy();
  }

  private next(): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.drain();
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    this.drain();
  }

  private drain(): void {
    for (;;) {
      if (!this.waiting) return;
      const nl = this.buffered.indexOf('\n');
      if (nl < 0) return;
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ('event' in msg) continue;
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve(msg);
    }
  }
}
