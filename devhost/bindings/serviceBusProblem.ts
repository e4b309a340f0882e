/** Binding types of the Service Bus extension, lower-case. */
const SERVICE_BUS_TYPES = new Set(['servicebustrigger', 'servicebus']);

/**
 * Why a Service Bus trigger or output binding cannot run here, naming its connection setting.
 * funclocal has no Service Bus of its own and no AMQP client, so such a function is always in
 * error; the message says which setting is missing or, when it is set, where it points and that
 * funclocal cannot speak to it. Undefined for other binding types.
 */
export function serviceBusProblem(binding: { type: string; connection?: unknown }, settings: NodeJS.ProcessEnv): string | undefined {
  const type = binding.type.toLowerCase();
  if (!SERVICE_BUS_TYPES.has(type)) return undefined;
  const what = type === 'servicebustrigger' ? 'Service Bus trigger' : 'Service Bus output binding';
  // The extension's default connection setting name when the binding names none.
  const name = typeof binding.connection === 'string' && binding.connection !== '' ? binding.connection : 'AzureWebJobsServiceBus';
  const value = settings[name] ?? settings[`${name}__fullyQualifiedNamespace`];
  if (value === undefined || value === '') {
    return `its ${what} uses connection "${name}", but no app setting "${name}" (or "${name}__fullyQualifiedNamespace") is defined; ` +
      'funclocal runs no Service Bus of its own: define the setting to point at a Service Bus namespace, and run this function where the Service Bus extension is (Azure, Core Tools).';
  }
  const endpoint = /Endpoint=([^;]+)/i.exec(value)?.[1] ?? value;
  return `its ${what} uses connection "${name}" (${endpoint}), which funclocal cannot serve: it has no Service Bus (AMQP) client; run this function where the Service Bus extension is (Azure, Core Tools).`;
}
