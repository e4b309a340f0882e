import { FunctionInvoker } from '../../core/FunctionInvoker';
import { FunctionRegistration } from '../../core/FunctionRegistration';
import { fromTypedData } from '../../core/TypedData';
import { OrchestrationClient } from '../client/OrchestrationClient';
import { entityInstanceId, EntityRequest, parseEntityInstanceId } from '../entities/EntityRequest';
import { historyEvent } from '../history/HistoryEvent';
import { HistoryEventType } from '../history/HistoryEventType';
import { InstanceRecord } from '../store/InstanceRecord';

/** Request ids remembered per entity, to recognise a redelivered operation. */
export const REMEMBERED_REQUESTS = 500;

/** What the library's entity handler returns (EntityState). */
interface EntityBatchResult {
  entityExists: boolean;
  entityState?: string;
  results: Array<{ isError: boolean; result?: string }>;
  signals: Array<{ target: { name: string; key: string }; name: string; input: string; requestId: string }>;
}

/**
 * Runs one batch of operations on a Durable entity: invokes the entity function with its
 * state and the batch, answers callers (an EventRaised named after each request id) and
 * forwards the signals it sent. Answers go out before the caller commits the new state, so an
 * operation may be applied twice after a crash (at least once), never lost.
 */
export async function runEntityBatch(args: {
  rec: InstanceRecord; requests: EntityRequest[]; fn: FunctionRegistration | undefined;
  invoker: FunctionInvoker; client: OrchestrationClient;
}): Promise<{ exists: boolean; state?: string }> {
  const { rec, requests, fn } = args;
  const current = rec.entity ?? { exists: false, processed: [] };
  const self = parseEntityInstanceId(rec.instanceId);
  let result: EntityBatchResult;
  if (!fn) {
    result = { entityExists: current.exists, entityState: current.state, signals: [],
      results: requests.map(() => ({ isError: true, result: JSON.stringify(`No entity function named '${self.name}' is registered in this app.`) })) };
  } else {
    const data = { self, exists: current.exists, state: current.state, batch: requests.map((r) => ({ id: r.id, name: r.op, signal: r.signal, input: r.input })) };
    try {
      const response = await args.invoker.invoke(fn, { inputData: [{ name: fn.trigger.name, data: { string: JSON.stringify(data) } }] });
      result = fromTypedData(response.returnValue) as EntityBatchResult;
    } catch (e) {
      result = { entityExists: current.exists, entityState: current.state, signals: [],
        results: requests.map(() => ({ isError: true, result: JSON.stringify((e as Error).message) })) };
    }
  }
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i];
    if (r.signal || !r.parent) continue;
    const outcome = result.results[i] ?? { isError: false };
    const answer = outcome.isError ? { result: outcome.result ?? '"The entity operation failed."', exceptionType: 'Error' } : { result: outcome.result };
    await args.client.post({ instanceId: r.parent, executionId: '' }, historyEvent(HistoryEventType.EventRaised, new Date(), { Name: r.id, Input: JSON.stringify(answer) }));
  }
  for (const s of result.signals ?? []) {
    const request: EntityRequest = { id: `${s.requestId}>${s.target.name}@${s.target.key}:${s.name}`, op: s.name, signal: true, input: s.input === '' ? undefined : s.input };
    await args.client.signalEntity(entityInstanceId(s.target.name, s.target.key), request);
  }
  return { exists: result.entityExists, state: result.entityExists ? result.entityState : undefined };
}

/**
 * Grants a lock request that reached the front of this entity's queue (the extension's
 * ProcessLockRequest): the entity is now locked by the requesting orchestration; the request
 * goes on to the next entity of the lock set, or, from the last one, the orchestration hears
 * that it holds them all (an EventRaised named after the request id).
 */
export async function grantLock(self: string, lock: EntityRequest, client: OrchestrationClient): Promise<{ lockedBy: string; lockId: string }> {
  const pos = (lock.pos ?? 0) + 1;
  const lockset = lock.lockset ?? [self];
  if (pos < lockset.length) {
    await client.signalEntity(lockset[pos], { ...lock, pos });
  } else {
    await client.post({ instanceId: lock.parent!, executionId: '' },
      historyEvent(HistoryEventType.EventRaised, new Date(), { Name: lock.id, Input: JSON.stringify({ result: 'Lock Acquisition Completed' }) }));
  }
  return { lockedBy: lock.parent!, lockId: lock.id };
}
