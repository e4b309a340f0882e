import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../../shared/os/isProcessAlive';
import type { EmulatorSettings } from './EmulatorSettings';
import { SETTINGS_FILE } from './runEmulatorsCommand';

/**
 * The emulators process already serving `dataDir`, if one is alive: a host that was killed
 * leaves its storage running (as Azure would), and the next start reuses it.
 */
export function findRunningEmulators(dataDir: string): (EmulatorSettings & { pid: number }) | undefined {
  let recorded: EmulatorSettings & { pid: number };
  try {
    recorded = JSON.parse(readFileSync(join(dataDir, SETTINGS_FILE), 'utf8')) as EmulatorSettings & { pid: number };
  } catch {
    return undefined;
  }
  return isProcessAlive(recorded.pid) ? recorded : undefined;
}
