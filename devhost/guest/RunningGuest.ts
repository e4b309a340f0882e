import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../shared/os/freeLoopbackPort';

/**
 * What the guest needs of a QMP client (shared/agent's QmpClient): handed in, since devhost
 * imports only the kernel (docs/architecture.md).
 */
export interface GuestMonitor {
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T>;
  /** An HMP command line (`human-monitor-command`); its reply text. */
  hmp(line: string): Promise<string>;
  close(): void;
}

export interface GuestBootOptions {
  /** How long to wait for the ready line (default 120 s). */
  timeoutMs?: number;
  /** The loopback port guest port 80 is forwarded to (default: a free one). */
  httpPort?: number;
}

/**
 * A booted test guest (docs/guest.md) under qemu TCG whose disk the agent can track with dirty
 * bitmaps: the guest's data stays in a plain raw file (what `asr agent protect` reads), and a
 * qcow2 with that file as its raw external data file (`data_file_raw=on`) holds only metadata
 * and the persistent bitmaps. The qcow2 is the `-blockdev` format node `disk0`; two QMP sockets:
 * the test's own and the agent's. Guest port 80 is forwarded to `httpPort` on loopback.
 * {@link addDataDisk} attaches a second disk made the same way (node `disk1`, device `vd1`).
 * Shared by the tracked-guest suite and the dirty-bitmap bench (bench/ does not import test/).
 */
export class RunningGuest {
  private proc?: ChildProcess;
  qmp?: GuestMonitor;
  readonly raw: string;
  readonly meta: string;
  readonly qmpSocket: string;
  private readonly testSocket: string;
  readonly node = 'disk0';
  /** The guest's disk device (qdev id): HMP `qemu-io -d vd0` writes through its BlockBackend, where the guest's own writes go. */
  readonly device = 'vd0';
  /** qemu's stdout: HMP `qemu-io` prints its result there ("wrote N/N bytes at offset O"), not in the HMP reply. */
  private stdout = '';
  httpPort = 0;
  /** A second, data disk (raw data file + metadata qcow2), when {@link addDataDisk} was called. */
  dataDisk?: { raw: string; meta: string; node: string; device: string; size: number };

  /** @param connectMonitor connects to a QMP socket, e.g. `(s) => QmpClient.connect(s)`. */
  constructor(readonly dir: string, private readonly connectMonitor: (socket: string) => Promise<GuestMonitor>) {
    this.raw = join(dir, 'guest-disk.raw');
    this.meta = join(dir, 'guest-disk.qcow2');
    this.qmpSocket = join(dir, 'qmp.sock');
    this.testSocket = join(dir, 'test-qmp.sock');
  }

  /** Copies the built guest image to `raw` and puts the metadata qcow2 beside it. */
  prepare(guestImage: string, size = statSync(guestImage).size): void {
    rmSync(this.raw, { force: true });
    // qemu-img create zeroes the data file it is given: create on an empty one, then put the guest's data in place.
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${this.raw},data_file_raw=on`, this.meta, String(size)]);
    copyFileSync(guestImage, this.raw);
    if (size > statSync(guestImage).size) execFileSync('truncate', ['-s', String(size), this.raw]);
  }

  /**
   * Attaches a data disk of `size` bytes at the next boot: an empty (sparse) raw data file and
   * its metadata qcow2. Fill the raw file before booting, not after: qemu then holds it.
   */
  addDataDisk(size: number): NonNullable<RunningGuest['dataDisk']> {
    const raw = join(this.dir, 'data-disk.raw');
    const meta = join(this.dir, 'data-disk.qcow2');
    rmSync(raw, { force: true });
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${raw},data_file_raw=on`, meta, String(size)]);
    this.dataDisk = { raw, meta, node: 'disk1', device: 'vd1', size };
    return this.dataDisk;
  }

  /** Boots the guest and waits for its `asr-guest: ready` console line. */
  async boot(options: GuestBootOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    this.httpPort = options.httpPort ?? await freeLoopbackPort();
    const console = join(this.dir, 'console.log');
    rmSync(console, { force: true });
    for (const s of [this.qmpSocket, this.testSocket]) rmSync(s, { force: true });
    const d = this.dataDisk;
    this.proc = spawn('qemu-system-x86_64', [
      '-accel', 'tcg', '-m', '256', '-smp', '1', '-display', 'none', '-nodefaults', '-no-user-config',
      '-blockdev', `driver=file,filename=${this.meta},node-name=${this.node}-meta`,
      '-blockdev', `driver=file,filename=${this.raw},node-name=${this.node}-data`,
      '-blockdev', `driver=qcow2,file=${this.node}-meta,data-file=${this.node}-data,node-name=${this.node}`,
      '-device', `virtio-blk-pci,drive=${this.node},id=${this.device}`,
      ...(d ? [
        '-blockdev', `driver=file,filename=${d.meta},node-name=${d.node}-meta`,
        '-blockdev', `driver=file,filename=${d.raw},node-name=${d.node}-data`,
        '-blockdev', `driver=qcow2,file=${d.node}-meta,data-file=${d.node}-data,node-name=${d.node}`,
        '-device', `virtio-blk-pci,drive=${d.node},id=${d.device}`,
      ] : []),
      '-netdev', `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${this.httpPort}-:80`, '-device', 'virtio-net-pci,netdev=n0',
      '-serial', `file:${console}`,
      '-qmp', `unix:${this.testSocket},server=on,wait=off`,
      '-qmp', `unix:${this.qmpSocket},server=on,wait=off`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.stdout = '';
    this.proc.stdout!.on('data', (c: Buffer) => { this.stdout += c.toString(); });
    let stderr = '';
    this.proc.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.qmp && existsSync(this.testSocket)) this.qmp = await this.connectMonitor(this.testSocket).catch(() => undefined);
      if (this.qmp && existsSync(console) && readFileSync(console, 'utf8').includes('asr-guest: ready')) return;
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error(`the guest did not boot: ${stderr} ${existsSync(console) ? readFileSync(console, 'utf8').slice(-2000) : ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** What the guest serves over HTTP (its data partition as read at boot). */
  async served(): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${this.httpPort}/data.txt`);
    return r.text();
  }

  /** A write into the running guest's disk (`device`, default the boot disk) through its BlockBackend (HMP `qemu-io -d`): it dirties the bitmaps as a guest write does. */
  async write(offset: number, length: number, pattern: number, device = this.device): Promise<void> {
    const done = `wrote ${length}/${length} bytes at offset ${offset}`;
    const before = this.stdout.length;
    const reply = await this.qmp!.hmp(`qemu-io -d ${device}/virtio-backend "write -P ${pattern} ${offset} ${length}"`);
    // Success prints on qemu's stdout; a refusal (no such device, permission) is the HMP reply.
    if (reply.trim() !== '') throw new Error(`qemu-io write refused: ${reply}`);
    const deadline = Date.now() + 10_000;
    while (!this.stdout.slice(before).includes(done)) {
      if (Date.now() > deadline) throw new Error(`qemu-io write did not report "${done}": ${this.stdout.slice(before)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Flushes the disk (the raw file then holds everything written). */
  async flush(device = this.device): Promise<void> {
    const reply = await this.qmp!.hmp(`qemu-io -d ${device}/virtio-backend "flush"`);
    if (reply.trim() !== '') throw new Error(`qemu-io flush refused: ${reply}`);
  }

  /** SIGKILL: qemu dies without saving its bitmaps (the next agent cycle must not trust them). */
  async kill(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc!.once('exit', r));
    this.qmp?.close();
    this.qmp = undefined;
    this.proc.kill('SIGKILL');
    await exited;
  }

  /** A clean shutdown (`quit`). */
  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc!.once('exit', r));
    await this.qmp?.execute('quit').catch(() => undefined);
    this.qmp?.close();
    this.qmp = undefined;
    await exited;
  }
}
