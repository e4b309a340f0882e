import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '../../shared/os/freeLoopbackPort';

const run = promisify(execFile);

/** The test guest of docs/guest.md: its image and where its served data lives. */
export interface GuestImage {
  path: string;
  dataOffset: number;
}

/** Runs scripts/build-guest.sh (cached: prints the path at once) and finds the data partition (the second). */
export function buildGuest(repo: string): GuestImage {
  const path = execFileSync(join(repo, 'scripts', 'build-guest.sh'), { encoding: 'utf8' }).trim();
  const table = JSON.parse(execFileSync('sfdisk', ['-J', path], { encoding: 'utf8' })) as { partitiontable: { sectorsize?: number; partitions: { start: number }[] } };
  return { path, dataOffset: table.partitiontable.partitions[1].start * (table.partitiontable.sectorsize ?? 512) };
}

/** What the qemu fabric waits for: the ready line on the console, then an HTTP GET whose body holds a text. */
export interface BootProbes {
  ready: RegExp;
  path: string;
  contains: string;
}

/**
 * The baseline: the guest booted straight from its source image with the qemu fabric's flags
 * (TCG, same memory, one vCPU, a qcow2 overlay, virtio disk and net, user-mode networking with
 * port 80 forwarded, console to a file), timed from the qemu-img call until the console shows
 * the ready line and the HTTP GET answers the text. Polls every 50 ms: as tight as it gets.
 */
export async function bootDirectly(image: string, dir: string, probes: BootProbes, memoryMiB = 256): Promise<{ seconds: number; readySeconds: number }> {
  mkdirSync(dir, { recursive: true });
  const overlay = join(dir, 'overlay.qcow2');
  const consoleLog = join(dir, 'console.log');
  const port = await freeLoopbackPort();
  const t0 = performance.now();
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', image, overlay]);
  const qemu = spawn('qemu-system-x86_64', [
    '-accel', 'tcg', '-m', String(memoryMiB), '-smp', '1', '-display', 'none', '-nodefaults', '-no-user-config',
    '-drive', `file=${overlay},if=virtio,format=qcow2`,
    '-netdev', `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:80`, '-device', 'virtio-net-pci,netdev=n0',
    '-serial', `file:${consoleLog}`,
  ], { stdio: 'ignore' });
  const exited = new Promise((r) => qemu.once('exit', r));
  try {
    const deadline = Date.now() + 300_000;
    let booted: number | undefined;
    for (;;) {
      if (qemu.exitCode !== null) throw new Error(`qemu exited with ${qemu.exitCode}`);
      if (Date.now() > deadline) throw new Error(`the guest did not answer within 300 s; console:\n${existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8').slice(-1000) : ''}`);
      if (booted === undefined && existsSync(consoleLog) && probes.ready.test(readFileSync(consoleLog, 'utf8'))) booted = (performance.now() - t0) / 1000;
      if (booted !== undefined && (await httpText(port, probes.path))?.includes(probes.contains)) return { seconds: (performance.now() - t0) / 1000, readySeconds: booted };
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    qemu.kill('SIGKILL');
    await exited;
  }
}

async function httpText(port: number, path: string): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}
