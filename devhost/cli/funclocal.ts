#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { createConsoleLogger, LogLevel } from '../core/HostLogger';
import { HostStartupError } from '../core/HostStartupError';
import { emulatorsCommand } from '../emulators';
import { startLocalHost } from '../startLocalHost';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535).');
  return n;
}

const program = new Command('funclocal')
  .description('Runs an Azure Functions app (Node v4 model) locally, with embedded Azure emulators.')
  .showHelpAfterError();

program.command('start')
  .description('Start the host for a Functions app folder.')
  .option('--app <dir>', 'folder of the Functions app (host.json, package.json)', '.')
  .option('--port <port>', 'HTTP port', port, 7071)
  .option('--data <dir>', 'where the embedded emulators keep their data', '.data')
  .option('--storage <connection string>', 'use running storage instead of starting the emulators')
  .option('--cosmos <endpoint>', 'use a running Cosmos DB endpoint instead of starting the emulators')
  .option('--cosmos-key <key>', 'key of the running Cosmos DB endpoint (default: the emulator key)')
  .option('--emulator-ports <mode>', 'ports of launched emulators: default (10000-10002, 8081) or auto (any free)', 'default')
  .option('--log-level <level>', 'trace|debug|information|warning|error', 'information')
  .action(async (opts: { app: string; port: number; data: string; storage?: string; cosmos?: string; cosmosKey?: string; emulatorPorts: string; logLevel: LogLevel }) => {
    if (opts.emulatorPorts !== 'default' && opts.emulatorPorts !== 'auto') throw new InvalidArgumentError(`--emulator-ports must be default or auto, not ${opts.emulatorPorts}.`);
    const logger = createConsoleLogger(opts.logLevel);
    const running = await startLocalHost({
      appDir: opts.app, port: opts.port, dataDir: opts.data, storage: opts.storage, cosmosEndpoint: opts.cosmos,
      cosmosKey: opts.cosmosKey, emulatorPorts: opts.emulatorPorts, logger,
    });
    const shutdown = async (signal: string) => {
      logger.log('information', `${signal}: stopping`);
      await running.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  });

program.addCommand(emulatorsCommand('emulators'));

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof HostStartupError || process.env.FUNCLOCAL_DEBUG !== '1') {
    process.stderr.write(`funclocal: ${(e as Error).message}\n`);
  } else {
    process.stderr.write(`funclocal: ${(e as Error).stack}\n`);
  }
  process.exit(1);
});
