import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { acceptRunbookCallback, automationSettingsFromEnv, BlobUsedTokenLedger, RUNBOOK_CALLBACK_ROUTE, USED_TOKEN_CONTAINER } from '../../shared/automation';
import { ServiceError } from '../../shared/errors';
import { replicationDepsFromEnv } from '../../shared/replication';

const STATUS: Record<string, number> = {
  CallbackTokenMalformed: 401, CallbackTokenBadSignature: 401, CallbackTokenExpired: 401,
  CallbackTokenAlreadyUsed: 409, CallbackOutcomeInvalid: 400, InvalidJson: 400,
};

/**
 * A runbook reports its outcome: the single-use signed token in the query names the job, the
 * task and the orchestration; the outcome becomes the event the orchestration waits for.
 */
export async function runbookCallbackHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const token = request.query.get('token') ?? '';
    let body: unknown;
    try {
      body = JSON.parse((await request.text()) || '{}');
    } catch (err) {
      throw new ServiceError('InvalidJson', 'the callback body is not JSON: send {"status":"Succeeded"|"Failed","output"?:string}', { cause: err });
    }
    const settings = automationSettingsFromEnv();
    const deps = await replicationDepsFromEnv();
    const ledger = new BlobUsedTokenLedger(deps.blobs.getContainerClient(USED_TOKEN_CONTAINER));
    const { claims, event } = await acceptRunbookCallback(token, body, { key: settings.signingKey, ledger });
    const client = df.getClient(context);
    const status = await client.getStatus(claims.instanceId).catch(() => undefined);
    if (!status || ['Completed', 'Failed', 'Terminated'].includes(String(status.runtimeStatus))) {
      return { status: 410, jsonBody: { error: { code: 'JobEnded', message: `job ${claims.job} has ended; the outcome was not needed` } } };
    }
    await client.raiseEvent(claims.instanceId, claims.eventName, event);
    return { status: 202, jsonBody: { job: claims.job, task: claims.task, accepted: event.outcome.status } };
  } catch (err) {
    const code = err instanceof ServiceError ? err.code : 'InternalError';
    const status = STATUS[code] ?? 500;
    if (status === 500) context.error('runbook callback failed', err);
    return { status, jsonBody: { error: { code, message: err instanceof ServiceError ? err.message : 'the callback failed; retry' } } };
  }
}

app.http('runbookCallback', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: `api/${RUNBOOK_CALLBACK_ROUTE}`,
  extraInputs: [df.input.durableClient()],
  handler: runbookCallbackHandler,
});
