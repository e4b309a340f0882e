import { createServer } from 'node:net';

/** The ports the emulators usually take (Azurite's and the Cosmos DB emulator's). */
export const DEFAULT_EMULATOR_PORTS = { blob: 10000, queue: 10001, table: 10002, cosmos: 8081, serviceBus: 5672 } as const;

export type EmulatorPortName = keyof typeof DEFAULT_EMULATOR_PORTS;

export const EMULATOR_PORT_LABELS: Record<EmulatorPortName, string> = {
  blob: 'Azurite blob', queue: 'Azurite queue', table: 'Azurite table', cosmos: 'Cosmos DB emulator', serviceBus: 'Service Bus stand-in',
};

/** True when nothing else listens on `host:port` (we could bind it just now). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * The default port for each emulator when it is free, else 0 (any free port): another
 * program holding 10000 or 8081 (a real Azurite, the Cosmos DB emulator) must not stop
 * `npm start`. `taken` names the defaults that were in use, for the host to say so.
 */
export async function chooseEmulatorPorts(host = '127.0.0.1'): Promise<{ ports: Record<EmulatorPortName, number>; taken: EmulatorPortName[] }> {
  const names = Object.keys(DEFAULT_EMULATOR_PORTS) as EmulatorPortName[];
  const free = await Promise.all(names.map((n) => portIsFree(host, DEFAULT_EMULATOR_PORTS[n])));
  const ports = Object.fromEntries(names.map((n, i) => [n, free[i] ? DEFAULT_EMULATOR_PORTS[n] : 0])) as Record<EmulatorPortName, number>;
  return { ports, taken: names.filter((_, i) => !free[i]) };
}
