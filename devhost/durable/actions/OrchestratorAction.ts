import { ActionType } from './ActionType';

/** Retry policy of a `*WithRetry` action, in the library's wire shape. */
export interface WireRetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** One action of an orchestrator's state, as the library serializes it (camelCase). */
export interface OrchestratorAction {
  actionType: ActionType;
  functionName?: string;
  /** Activity / ContinueAsNew string inputs arrive JSON-encoded already; others raw. */
  input?: unknown;
  retryOptions?: WireRetryOptions;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  /** Entity operations. */
  operation?: string;
  compoundActions?: OrchestratorAction[];
  /** CallHttp: the library's DurableHttpRequest. */
  httpRequest?: unknown;
}

/**
 * The leaves of the action tree in yield order (compound children in array order): the order
 * in which the library hands out task ids.
 */
export function flattenActions(actions: OrchestratorAction[]): OrchestratorAction[] {
  const out: OrchestratorAction[] = [];
  const walk = (a: OrchestratorAction) => {
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) (a.compoundActions ?? []).forEach(walk);
    else out.push(a);
  };
  actions.forEach(walk);
  return out;
}

/** Whether a leaf action takes a number from the task-id sequence. */
export function consumesTaskId(a: OrchestratorAction): boolean {
  return a.actionType !== ActionType.WaitForExternalEvent && a.actionType !== ActionType.ContinueAsNew;
}
