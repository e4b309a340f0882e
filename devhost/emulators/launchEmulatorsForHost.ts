import { join } from 'node:path';
import type { HostLogger } from '../core/HostLogger';
import { chooseEmulatorPorts, DEFAULT_EMULATOR_PORTS, EMULATOR_PORT_LABELS, type EmulatorPortName } from './chooseEmulatorPorts';
import type { EmulatorSettings } from './EmulatorSettings';
import { SETTINGS_FILE } from './runEmulatorsCommand';
import { spawnEmulatorsProcess, type EmulatorsProcess } from './spawnEmulatorsProcess';

/**
 * Launches the emulators process. With the default ports, a port another program holds is
 * replaced by a free one (probed first; if a port is taken between probe and bind, the launch
 * is retried once on free ports throughout), and the host says which and why.
 */
export async function launchEmulatorsForHost(dataDir: string, mode: 'default' | 'auto', logger: HostLogger): Promise<EmulatorsProcess> {
  const any = { blob: 0, queue: 0, table: 0, cosmos: 0, serviceBus: 0 };
  let ports: Record<EmulatorPortName, number> = any;
  if (mode === 'default') {
    const chosen = await chooseEmulatorPorts();
    ports = chosen.ports;
    for (const name of chosen.taken) {
      logger.log('warning', `Port ${DEFAULT_EMULATOR_PORTS[name]} (${EMULATOR_PORT_LABELS[name]}) is in use by another program; ` +
        `the ${EMULATOR_PORT_LABELS[name]} of this host takes a free port instead (printed below)`);
    }
  }
  const spawn = (p: Record<EmulatorPortName, number>) =>
    spawnEmulatorsProcess({ data: dataDir, blobPort: p.blob, queuePort: p.queue, tablePort: p.table, cosmosPort: p.cosmos, serviceBusPort: p.serviceBus });
  try {
    return await spawn(ports);
  } catch (err) {
    if (mode !== 'default' || !/already in use/.test((err as Error).message)) throw err;
    logger.log('warning', 'An emulator port was taken while starting; retrying on free ports');
    return spawn(any);
  }
}

/** Where the emulators listen, and how the CLI, the agent and other tools reach them. */
export function logEmulatorEndpoints(s: EmulatorSettings, dataDir: string, logger: HostLogger): void {
  logger.log('information', `Storage (Azurite): blob ${s.blobEndpoint}, queue ${s.queueEndpoint}, table ${s.tableEndpoint}`);
  logger.log('information', `Cosmos DB: ${s.cosmosEndpoint} (the emulator's well-known key)`);
  logger.log('information', `Service Bus STAND-IN (in memory, not Azure Service Bus): ${s.serviceBusConnectionString}`);
  logger.log('information', `Storage connection string: ${s.storageConnectionString}`);
  logger.log('information', `Recorded in ${join(dataDir, SETTINGS_FILE)}: 'asr agent' finds them there (ASR_DATA_DIR=${dataDir} if you run it elsewhere); ` +
    'other tools: pass the connection string above, or COSMOS_ENDPOINT and the emulator key');
}
