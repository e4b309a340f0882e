import { randomUUID } from 'node:crypto';
import { BindingDefinition, FunctionRegistration } from '../core/FunctionRegistration';
import { BindingIO } from '../core/FunctionInvoker';
import { fromTypedData, TypedData } from '../core/TypedData';
import { BindingData } from './BindingExpressions';
import { serviceBusClientFor, serviceBusConnectionString } from './serviceBusConnection';

/**
 * The Service Bus output binding (`output.serviceBusQueue`, `output.serviceBusTopic`, as an
 * extra output or `return:`), sent with the real @azure/service-bus client: an array is one
 * message per element, as the extension sends it.
 */
export class ServiceBusBindings implements BindingIO {
  readonly types = ['servicebus'];

  constructor(private readonly settings: NodeJS.ProcessEnv) {}

  read(fn: FunctionRegistration, name: string): Promise<TypedData> {
    return Promise.reject(new Error(`Function "${fn.name}" binding "${name}": Service Bus has no input binding.`));
  }

  async write(fn: FunctionRegistration, name: string, binding: BindingDefinition, value: TypedData, _data: BindingData): Promise<void> {
    const entity = String(binding.queueName ?? binding.topicName ?? '');
    if (!entity) throw new Error(`Function "${fn.name}" output binding "${name}" names no queueName or topicName.`);
    const client = serviceBusClientFor(serviceBusConnectionString(binding, this.settings, 'Service Bus output binding'));
    const decoded = fromTypedData(value);
    const items = Array.isArray(decoded) ? decoded : [decoded];
    const sender = client.createSender(entity);
    try {
      // A new id per message, as the extension gives each output message.
      for (const body of items) await sender.sendMessages({ body, messageId: randomUUID() });
    } finally {
      await sender.close();
    }
  }
}
