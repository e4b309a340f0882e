import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Test helpers around qemu-img / qemu-io, the independent judge of disk images. */

export type QemuFormat = 'raw' | 'vpc' | 'vhdx';

export function qemuImg(...args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8' });
}

/** Creates an image; `options` like `subformat=fixed,force_size=on`. */
export function createImage(path: string, format: QemuFormat, size: number, options?: string): void {
  qemuImg('create', '-q', '-f', format, ...(options ? ['-o', options] : []), path, String(size));
}

/** Writes `pattern` bytes at each `[offset, length]` through qemu's own driver. */
export function writePattern(path: string, format: QemuFormat, writes: [number, number, number][]): void {
  const args = ['-f', format];
  for (const [pattern, offset, length] of writes) args.push('-c', `write -P ${pattern} ${offset} ${length}`);
  execFileSync('qemu-io', [...args, path], { encoding: 'utf8' });
}

/** `qemu-img compare`: exit 0 and "identical" when both hold the same disk content. */
export function compareImages(a: string, aFormat: QemuFormat, b: string, bFormat: QemuFormat): { status: number | null; output: string } {
  const r = spawnSync('qemu-img', ['compare', '-f', aFormat, '-F', bFormat, a, b], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

export function qemuInfo(path: string, format: QemuFormat): { format: string; 'virtual-size': number } {
  return JSON.parse(qemuImg('info', '--output=json', '-f', format, path));
}

const ROOT = join(__dirname, '..', '..', '..');
export const ASR = join(ROOT, 'dist', 'cli', 'asr.js');

/** Builds dist/ when the CLI is missing (`npm test` always builds first). */
export function ensureBuilt(): void {
  if (!existsSync(ASR)) execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
}

/** Runs the compiled `asr` CLI as a user would. */
export function asr(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8', env: { ...process.env, ASR_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
