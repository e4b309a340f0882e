import { FunctionRegistration } from '../core/FunctionRegistration';
import { HostContext, TriggerKind } from '../core/HostContext';
import { clientInputData } from './client/ClientInputData';
import { durableHttpApi } from './client/DurableHttpApi';
import { OrchestrationClient } from './client/OrchestrationClient';
import { ActivityDispatcher } from './runtime/ActivityDispatcher';
import { readDurableOptions } from './runtime/DurableOptions';
import { OrchestrationDispatcher } from './runtime/OrchestrationDispatcher';
import { readExecutionBook } from './replay/ExecutionBook';
import { InstanceStore } from './store/InstanceStore';
import { isTerminal } from './store/RuntimeStatus';
import { ControlMessage, WorkItemMessage } from './store/QueueMessages';
import { LargeMessageStore } from './store/LargeMessageStore';
import { TaskHubQueue } from './store/TaskHubQueue';
import { taskHubNames } from './store/TaskHubNames';

/**
 * Durable Functions in the local host: orchestration and activity triggers, the
 * `durableClient` input binding and the Durable HTTP API, with the task hub in Azure Storage
 * (tables and queues named after host.json `extensions.durableTask.hubName`).
 */
export class DurableTriggerKind implements TriggerKind {
  readonly name = 'durable';
  readonly triggerTypes = ['orchestrationtrigger', 'activitytrigger', 'entitytrigger'] as const;
  readonly bindingTypes = ['durableclient'] as const;
  private orchestrations?: OrchestrationDispatcher;
  private activities?: ActivityDispatcher;
  /** Exposed for tests and the benchmark. */
  client?: OrchestrationClient;

  async start(functions: FunctionRegistration[], host: HostContext): Promise<void> {
    const options = readDurableOptions(host.config.durableTask, host.config.raw);
    const names = taskHubNames(options.hubName);
    const byType = (t: string) => new Map(functions.filter((f) => f.trigger.binding.type.toLowerCase() === t).map((f) => [f.name.toLowerCase(), f]));
    const orchestrators = byType('orchestrationtrigger');
    const activities = byType('activitytrigger');
    const entities = byType('entitytrigger');

    const largeMessages = new LargeMessageStore(host.storageConnectionString, names.largeMessageContainer);
    const store = new InstanceStore(host.storageConnectionString, names, largeMessages);
    const control = new TaskHubQueue<ControlMessage>(host.storageConnectionString, names.controlQueue, largeMessages);
    const workItems = new TaskHubQueue<WorkItemMessage>(host.storageConnectionString, names.workItemQueue, largeMessages);
    await Promise.all([store.ensure(), control.ensure(), workItems.ensure(), largeMessages.ensure()]);

    const client = new OrchestrationClient(store, control, workItems, new Set(orchestrators.keys()), () => {
      this.orchestrations?.poller.nudge();
      this.activities?.poller.nudge();
    });
    this.client = client;
    this.orchestrations = new OrchestrationDispatcher({
      orchestrators, entities, invoker: host.invoker, logger: host.logger, store, client, control, workItems,
      maxConcurrent: options.maxConcurrentOrchestratorFunctions, visibilitySeconds: options.controlQueueVisibilitySeconds,
      maxIdleMs: options.maxQueuePollingIntervalMs, scheduled: () => this.activities?.poller.nudge(),
    });
    this.activities = new ActivityDispatcher({
      activities, checkpoints: largeMessages, invoker: host.invoker, logger: host.logger, workItems, control,
      isFinished: (id, exec) => this.orchestrations?.isFinished(id, exec) ?? false,
      knownCompletedTasks: (id, exec) => this.orchestrations?.completedTasks(id, exec),
      completedTasks: async (id, exec) => {
        const r = await store.read(id);
        if (!r || r.executionId !== exec || isTerminal(r.runtimeStatus)) return 'over';
        return readExecutionBook(await store.readHistory(id, exec, r.historyCount)).completed;
      },
      maxConcurrent: options.maxConcurrentActivityFunctions, visibilitySeconds: options.workItemQueueVisibilitySeconds,
      maxIdleMs: options.maxQueuePollingIntervalMs, completed: () => this.orchestrations?.poller.nudge(),
    });

    // Loopback by address: "localhost" may resolve to ::1 while the host listens on 127.0.0.1.
    const rpcHost = host.baseUrl().replace('//localhost:', '//127.0.0.1:');
    host.invoker.provideInput('durableClient', () => ({ string: JSON.stringify({ ...clientInputData(host.baseUrl(), names.hub), rpcBaseUrl: `${rpcHost}/durabletask/` }) }));
    const api = durableHttpApi(client, names.hub);
    host.mountHttp('/durabletask', api);
    host.mountHttp('/runtime/webhooks/durabletask', api);

    const resent = await client.resendPendingStarts();
    if (resent) host.logger.log('information', `Durable: re-posted the start of ${resent} pending instance(s).`);
    this.orchestrations.start();
    this.activities.start();
    host.logger.log('information', `Durable task hub "${names.hub}": ${orchestrators.size} orchestrator(s), ${activities.size} activit${activities.size === 1 ? 'y' : 'ies'}, ${entities.size} entit${entities.size === 1 ? 'y' : 'ies'}.`);
  }

  async stop(): Promise<void> {
    await Promise.all([this.orchestrations?.stop(), this.activities?.stop()]);
  }
}
