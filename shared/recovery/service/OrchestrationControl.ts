/**
 * What the API needs of Durable Functions' client: start an orchestration under a chosen id and
 * raise events on it. The Functions registration adapts `df.getClient(context)` to this, tests
 * may too; `shared/` stays free of Functions types.
 */
export interface OrchestrationControl {
  start(name: string, instanceId: string, input: unknown): Promise<void>;
  /** False when the instance does not exist or has finished (the event has nowhere to go). */
  raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<boolean>;
}
