import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The test guest of docs/guest.md: where its image is (built once per input versions) and where its served data lives. */
export interface GuestImage {
  path: string;
  /** Byte offset and length of the data partition (partition 2): the guest serves its text up to the first NUL. */
  dataOffset: number;
  dataBytes: number;
}

const REPO = join(__dirname, '..', '..');

/** Runs scripts/build-guest.sh (a cache hit prints the path at once) and reads the data partition from the image's partition table. */
export function buildGuest(env: NodeJS.ProcessEnv = process.env): GuestImage {
  const path = execFileSync(join(REPO, 'scripts', 'build-guest.sh'), { encoding: 'utf8', env }).trim();
  const table = JSON.parse(execFileSync('sfdisk', ['-J', path], { encoding: 'utf8' })) as { partitiontable: { sectorsize?: number; partitions: { start: number; size: number }[] } };
  const sector = table.partitiontable.sectorsize ?? 512;
  const data = table.partitiontable.partitions[1];
  return { path, dataOffset: data.start * sector, dataBytes: data.size * sector };
}

/** Kills any qemu whose command line names a path under `dir` (a test that failed midway leaves daemonized guests). */
export function killQemuUnder(dir: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.startsWith('qemu-system') && cmd.includes(dir)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
