import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { answerRunbookCallback, RUNBOOK_CALLBACK_ROUTE, runbookCallbackDepsFromEnv } from '../../shared/automation';
import { readBodyText, toArmErrorResponse } from '../../shared/arm';
import { durableControl } from '../durable/durableControl';

/**
 * A runbook reports its outcome: the single-use signed token in the query names the job, the
 * task and the orchestration; the outcome becomes the event the orchestration waits for
 * (`shared/automation/runbookCallback`). Statuses come from the one catalogue.
 */
export async function runbookCallbackHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const bodyText = await readBodyText(request.body, request.headers.get('content-length') ?? undefined);
    const accepted = await answerRunbookCallback(request.query.get('token') ?? '', bodyText, {
      callbackDeps: () => runbookCallbackDepsFromEnv(),
      orchestrations: durableControl(context),
    });
    return { status: 202, jsonBody: accepted };
  } catch (err) {
    const out = toArmErrorResponse(err);
    if (out.status >= 500) context.error('runbook callback failed', err);
    return { status: out.status, headers: out.headers, jsonBody: out.body };
  }
}

app.http('runbookCallback', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: `api/${RUNBOOK_CALLBACK_ROUTE}`,
  extraInputs: [df.input.durableClient()],
  handler: runbookCallbackHandler,
});
