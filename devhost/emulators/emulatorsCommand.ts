import { Command, InvalidArgumentError } from 'commander';
import { runEmulatorsCommand } from './runEmulatorsCommand';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
}

function bytes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive number of bytes');
  return n;
}

/**
 * The `emulators` command (used by main.js and by `funclocal emulators`): starts Azurite and
 * the durable Cosmos server as one process.
 */
export function emulatorsCommand(name = 'emulators'): Command {
  return new Command(name)
    .description('run Azurite (blob, queue, table), a durable Cosmos DB server and a Service Bus stand-in in this process')
    .option('--data <dir>', 'data directory (azurite/ and cosmos/ under it); in memory only when omitted')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--blob-port <port>', 'Azurite blob port (0 = any free port)', port, 10000)
    .option('--queue-port <port>', 'Azurite queue port (0 = any free port)', port, 10001)
    .option('--table-port <port>', 'Azurite table port (0 = any free port)', port, 10002)
    .option('--cosmos-port <port>', 'Cosmos DB port (0 = any free port)', port, 8081)
    .option('--service-bus-port <port>', 'Service Bus stand-in AMQP port (0 = any free port)', port, 5672)
    .option('--service-bus-config <file>', 'JSON file declaring the Service Bus stand-in\'s queues and topics')
    .option('--cosmos-compact-at <bytes>', 'compact the Cosmos journal while running at this size', bytes)
    .action(async (opts) => {
      await runEmulatorsCommand(opts);
    });
}
