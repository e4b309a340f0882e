import { readdirSync, readFileSync } from 'node:fs';

export { buildGuest, type GuestImage } from '../../devhost/guest/buildGuest';

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
