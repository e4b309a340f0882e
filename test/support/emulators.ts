import { EmulatorSettings } from '../../devhost/emulators/EmulatorSettings';
import { EmulatorsProcess, spawnEmulatorsProcess } from '../../devhost/emulators/spawnEmulatorsProcess';

export interface TestEmulators extends EmulatorsProcess {
  settings: EmulatorSettings;
}

/**
 * Starts the real emulators process (dist/devhost/emulators/main.js: Azurite + durable Cosmos)
 * on free loopback ports: every service binds port 0 and the ready line's settings say which
 * port it got (no pick-then-bind race with parallel suites). In memory unless `dataDir` is
 * given. Call stop() in afterAll; kill() simulates a crash. Needs a build (`npm test` builds first).
 */
export async function startTestEmulators(options: { dataDir?: string; cosmosCompactAt?: number } = {}):
Promise<TestEmulators> {
  return spawnEmulatorsProcess({ data: options.dataDir, cosmosCompactAt: options.cosmosCompactAt, blobPort: 0, queuePort: 0, tablePort: 0, cosmosPort: 0, serviceBusPort: 0 });
}
