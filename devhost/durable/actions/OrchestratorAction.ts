import { entityInstanceId } from '../entities/EntityRequest';
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
  /** LockEntities: the entities to lock (sorted, deduplicated by the library) and the request id. */
  lockSet?: Array<{ name: string; key: string }>;
  lockRequestId?: string;
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

/**
 * The leaves that take task ids, one per id: ReleaseEntities takes one id per entity of the
 * critical section it ends (the library advances its counter by the lock set's size), so it
 * becomes one leaf per entity here, each carrying the entity (`instanceId`) and the lock's
 * request id.
 */
export function taskIdLeaves(actions: OrchestratorAction[]): OrchestratorAction[] {
  const out: OrchestratorAction[] = [];
  let lock: OrchestratorAction | undefined;
  for (const a of flattenActions(actions).filter(consumesTaskId)) {
    if (a.actionType === ActionType.LockEntities) lock = a;
    if (a.actionType !== ActionType.ReleaseEntities) { out.push(a); continue; }
    for (const e of lock?.lockSet ?? []) out.push({ actionType: ActionType.ReleaseEntities, instanceId: entityInstanceId(e.name, e.key), lockRequestId: lock?.lockRequestId });
    lock = undefined;
  }
  return out;
}

/** The critical section still open at the end of the orchestrator's actions (undefined when none). */
export function openCriticalSection(leaves: OrchestratorAction[]): OrchestratorAction | undefined {
  let open: OrchestratorAction | undefined;
  for (const a of leaves) {
    if (a.actionType === ActionType.LockEntities) open = a;
    else if (a.actionType === ActionType.ReleaseEntities) open = undefined;
  }
  return open;
}
