export { startEmulators, StartEmulatorsOptions, RunningEmulators } from './startEmulators';
export { EmulatorSettings, emulatorSettings, AZURITE_ACCOUNT, AZURITE_KEY, COSMOS_EMULATOR_KEY } from './EmulatorSettings';
export { runEmulatorsCommand, EmulatorsCommandOptions } from './runEmulatorsCommand';
export { emulatorsCommand } from './emulatorsCommand';
export { spawnEmulatorsProcess, SpawnEmulatorsOptions, EmulatorsProcess } from './spawnEmulatorsProcess';
export { startCosmosServer, CosmosServer, CosmosServerOptions } from './CosmosServer';
