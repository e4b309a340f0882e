import { EmulatorSettings } from '../../devhost/emulators/EmulatorSettings';
import { EmulatorsProcess, spawnEmulatorsProcess } from '../../devhost/emulators/spawnEmulatorsProcess';
import { freePort } from './ports';

export interface TestEmulators extends EmulatorsProcess {
  settings: EmulatorSettings;
}

/**
 * Starts the real emulators process (dist/devhost/emulators/main.js: Azurite + durable Cosmos)
 * on free loopback ports. In memory unless `dataDir` is given. Call stop() in afterAll; kill()
 * simulates a crash. Needs a build (`npm test` builds first).
 */
export async function startTestEmulators(options: { dataDir?: string; cosmosCompactAt?: number } = {}):
Promise<TestEmulators> {
  const [blobPort, queuePort, tablePort, cosmosPort] =
    [await freePort(), await freePort(), await freePort(), await freePort()];
  return spawnEmulatorsProcess({ data: options.dataDir, cosmosCompactAt: options.cosmosCompactAt, blobPort, queuePort, tablePort, cosmosPort });
}
