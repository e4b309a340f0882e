import { ServiceBusClient } from '@azure/service-bus';
import { HostStartupError } from '../core/HostStartupError';

/** Binding types of the Service Bus extension, lower-case. */
export const SERVICE_BUS_TYPES = ['servicebustrigger', 'servicebus'] as const;

/**
 * A Service Bus binding's connection string, resolved as the Functions host does: `connection`
 * names an app setting (`AzureWebJobsServiceBus` when omitted; funclocal sets it to the
 * emulators' Service Bus stand-in). The identity-based form (`<name>__fullyQualifiedNamespace`)
 * needs a managed identity and a real namespace: refused here with a clear message.
 */
export function serviceBusConnectionString(binding: { connection?: unknown; [property: string]: unknown }, settings: NodeJS.ProcessEnv, what: string): string {
  const name = typeof binding.connection === 'string' && binding.connection !== '' ? binding.connection : 'AzureWebJobsServiceBus';
  const value = settings[name] ?? settings[`${name}__connectionString`];
  if (value) return value;
  if (settings[`${name}__fullyQualifiedNamespace`]) {
    throw new HostStartupError(`its ${what} uses the identity-based connection "${name}__fullyQualifiedNamespace", which funclocal does not support ` +
      '(no managed identity locally): set "' + name + '" to a connection string, e.g. the Service Bus stand-in\'s (serviceBusConnectionString in the data folder\'s emulators.json).');
  }
  throw new HostStartupError(`its ${what} uses connection "${name}", but no app setting "${name}" is defined: add it to local.settings.json Values ` +
    '(funclocal sets AzureWebJobsServiceBus to its Service Bus stand-in when it launches the emulators).');
}

const clients = new Map<string, ServiceBusClient>();

/** One client per connection string for the host's lifetime (as the extension shares its clients). */
export function serviceBusClientFor(connectionString: string): ServiceBusClient {
  let client = clients.get(connectionString);
  if (!client) {
    client = new ServiceBusClient(connectionString);
    clients.set(connectionString, client);
  }
  return client;
}

export async function closeServiceBusClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.allSettled(all.map((c) => c.close()));
}
