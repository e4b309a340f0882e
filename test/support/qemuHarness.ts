import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { QmpClient } from '../../shared/agent';

/**
 * A qemu with no guest OS (`-machine none`): one qcow2 disk as a `-blockdev` format node and a
 * QMP socket. Tests write "as the guest would" through qemu's block layer with HMP `qemu-io`,
 * which dirties the node's bitmaps like a guest write. TCG only: no accelerator is needed.
 */
export class QemuHarness {
  private proc?: ChildProcess;
  qmp?: QmpClient;
  /** The test's own monitor; a QMP socket serves one client at a time. */
  private readonly testSocket: string;
  /** The agent's QMP socket (a second `-qmp`). */
  readonly qmpSocket: string;

  constructor(readonly dir: string, readonly image: string, readonly node = 'disk0') {
    this.testSocket = join(dir, 'test-qmp.sock');
    this.qmpSocket = join(dir, 'qmp.sock');
  }

  static createImage(path: string, size: string): void {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path, size]);
  }

  async start(): Promise<void> {
    this.proc = spawn('qemu-system-x86_64', [
      '-machine', 'none', '-nodefaults', '-nographic', '-display', 'none', '-monitor', 'none', '-serial', 'none',
      '-blockdev', `driver=file,filename=${this.image},node-name=${this.node}-file`,
      '-blockdev', `driver=qcow2,file=${this.node}-file,node-name=${this.node}`,
      '-qmp', `unix:${this.testSocket},server=on,wait=off`,
      '-qmp', `unix:${this.qmpSocket},server=on,wait=off`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.proc.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (existsSync(this.testSocket) && existsSync(this.qmpSocket)) {
        try {
          this.qmp = await QmpClient.connect(this.testSocket);
          return;
        } catch { /* not listening yet */ }
      }
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error(`qemu did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A write through qemu's block layer, like the guest's. */
  async write(offset: number, length: number, pattern: number): Promise<void> {
    const out = await this.qmp!.hmp(`qemu-io ${this.node} "write -P ${pattern} ${offset} ${length}"`);
    if (/error|fail/i.test(out)) throw new Error(out);
  }

  /** A clean shutdown (`quit`): qemu saves persistent bitmaps into the qcow2. */
  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc!.once('exit', r));
    await this.qmp?.execute('quit').catch(() => undefined);
    this.qmp?.close();
    await exited;
  }
}
