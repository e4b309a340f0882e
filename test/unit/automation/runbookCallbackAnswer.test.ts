import { toArmErrorResponse } from '../../../shared/arm';
import { answerRunbookCallback, runbookCallbackDepsFromEnv, signCallbackToken, type UsedTokenLedger } from '../../../shared/automation';

const KEY = Buffer.alloc(32, 9);

function memoryLedger(): UsedTokenLedger {
  const used = new Set<string>();
  return { markUsed: async (id) => (used.has(id) ? false : (used.add(id), true)) };
}

/** What the callback endpoint answers, as functions/http/runbookCallback turns it into HTTP. */
async function answer(token: string, bodyText: string | undefined, running: boolean, ledger = memoryLedger()): Promise<{ status: number; body: unknown }> {
  try {
    const body = await answerRunbookCallback(token, bodyText, { callbackDeps: async () => ({ key: KEY, ledger }), orchestrations: { raiseEvent: async () => running } });
    return { status: 202, body };
  } catch (err) {
    const out = toArmErrorResponse(err);
    return { status: out.status, body: out.body };
  }
}

async function token(task = 't1') {
  return (await signCallbackToken({ vault: 'v', plan: 'p', job: 'job-9', task, instanceId: 'i', eventName: `RunbookCompleted-${task}` }, KEY, { ttlSeconds: 600 })).token;
}

describe('the runbook callback answers through the one error catalogue', () => {
  it('accepts an outcome with 202 naming job, task and status; the same token again is 409', async () => {
    const ledger = memoryLedger();
    const t = await token();
    expect(await answer(t, '{"status":"Succeeded"}', true, ledger)).toEqual({ status: 202, body: { job: 'job-9', task: 't1', accepted: 'Succeeded' } });
    expect(await answer(t, '{"status":"Failed"}', true, ledger)).toMatchObject({ status: 409, body: { error: { code: 'CallbackTokenAlreadyUsed' } } });
  });

  it('answers 410 JobEnded when the job has ended, 400 for a body that is not JSON or not an outcome, 401 for a bad token', async () => {
    expect(await answer(await token('t2'), '{"status":"Succeeded"}', false)).toEqual({ status: 410, body: { error: { code: 'JobEnded', message: 'job job-9 has ended; the outcome was not needed' } } });
    expect(await answer(await token('t3'), '{not json', true)).toMatchObject({ status: 400, body: { error: { code: 'InvalidJson' } } });
    expect(await answer(await token('t4'), '{"status":"Done"}', true)).toMatchObject({ status: 400, body: { error: { code: 'CallbackOutcomeInvalid' } } });
    expect(await answer('not-a-token', '{"status":"Succeeded"}', true)).toMatchObject({ status: 401, body: { error: { code: 'CallbackTokenMalformed' } } });
  });

  it('takes its signing key and ledger from the environment without the replication store (503 when the key is missing)', async () => {
    const env = { ASR_CALLBACK_SIGNING_KEY: KEY.toString('base64'), ASR_PUBLIC_BASE_URL: 'http://127.0.0.1:7071', AzureWebJobsStorage: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;' };
    const deps = await runbookCallbackDepsFromEnv(env);
    expect(Buffer.from(deps.key).equals(KEY)).toBe(true);
    expect(await runbookCallbackDepsFromEnv(env).then((d) => d.ledger)).toBe(deps.ledger);
    const missing = await runbookCallbackDepsFromEnv({ ASR_AUTH_MODE: 'entra', ASR_PUBLIC_BASE_URL: 'http://x' }).catch((e: unknown) => e);
    expect(toArmErrorResponse(missing)).toMatchObject({ status: 503, body: { error: { code: 'AutomationNotConfigured' } } });
  });
});
