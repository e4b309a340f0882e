import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The test guest of docs/guest.md: where its image is (built once per input versions) and where its served data lives. */
export interface GuestImage {
  path: string;
  /** Byte offset and length of the data partition (partition 2): the guest serves its text up to the first NUL. */
  dataOffset: number;
  dataBytes: number;
}

/** The build script, found upwards from here: this file runs from devhost/guest (ts-jest) and from dist/devhost/guest (benches). */
function buildScript(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const script = join(dir, 'scripts', 'build-guest.sh');
    if (existsSync(script)) return script;
    if (dirname(dir) === dir) throw new Error(`scripts/build-guest.sh not found above ${__dirname}`);
  }
}

/** Runs scripts/build-guest.sh (a cache hit prints the path at once) and reads the data partition from the image's partition table. */
export function buildGuest(env: NodeJS.ProcessEnv = process.env): GuestImage {
  const path = execFileSync(buildScript(), { encoding: 'utf8', env }).trim();
  const table = JSON.parse(execFileSync('sfdisk', ['-J', path], { encoding: 'utf8' })) as { partitiontable: { sectorsize?: number; partitions: { start: number; size: number }[] } };
  const sector = table.partitiontable.sectorsize ?? 512;
  const data = table.partitiontable.partitions[1];
  return { path, dataOffset: data.start * sector, dataBytes: data.size * sector };
}
