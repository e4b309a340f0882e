import {
  actionApplies, actionDeadline, actionTimeoutPolicyOf, assertActionSupported, automationSettingsFromEnv, callbackTokenTtlSeconds,
  parseActionTimeout, readCallbackToken, RecoveryPlanAction, resolveActionTimeout, resolveRunbookOutcome, signCallbackToken,
} from '../../../shared/automation';

const runbook = (extra: object = {}): RecoveryPlanAction => ({
  actionName: 'start-app', failoverTypes: ['TestFailover', 'PlannedFailover'], failoverDirections: ['PrimaryToRecovery'],
  customDetails: { instanceType: 'AutomationRunbookActionDetails', runbookId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa/runbooks/StartApp', fabricLocation: 'Recovery', ...extra },
});

describe('action timeouts and outcomes', () => {
  it('reads timeouts as ISO 8601 durations or seconds, and refuses anything else', () => {
    expect(parseActionTimeout('PT30M')).toBe(1800);
    expect(parseActionTimeout('P1DT2H3M4S')).toBe(93784);
    expect(parseActionTimeout('900')).toBe(900);
    expect(parseActionTimeout(undefined)).toBeUndefined();
    expect(parseActionTimeout('')).toBeUndefined();
    for (const bad of ['30 minutes', 'PT', 'P', '-5', 'PT1H30']) expect(() => parseActionTimeout(bad)).toThrow(expect.objectContaining({ code: 'AutomationNotConfigured' }));
  });

  it('runbooks default to the configured timeout and fail; manual actions wait forever unless told', () => {
    expect(actionTimeoutPolicyOf(runbook().customDetails, { defaultRunbookTimeoutSeconds: 3600 })).toEqual({ timeoutSeconds: 3600, onTimeout: 'Fail' });
    expect(actionTimeoutPolicyOf(runbook({ timeout: 'PT5M', onTimeout: 'Continue' }).customDetails, { defaultRunbookTimeoutSeconds: 3600 })).toEqual({ timeoutSeconds: 300, onTimeout: 'Continue' });
    const manual = actionTimeoutPolicyOf({ instanceType: 'ManualActionDetails', description: 'check DNS' }, { defaultRunbookTimeoutSeconds: 3600 });
    expect(manual).toEqual({ timeoutSeconds: undefined, onTimeout: 'Fail' });
    expect(actionDeadline(new Date('2026-11-22T01:00:00Z'), manual)).toBeUndefined();
    expect(actionDeadline(new Date('2026-11-22T01:00:00Z'), { timeoutSeconds: 300, onTimeout: 'Fail' })).toEqual(new Date('2026-11-22T01:05:00Z'));
    expect(callbackTokenTtlSeconds({ timeoutSeconds: 300, onTimeout: 'Fail' }, 60)).toBe(360);
  });

  it('a timeout fails the step or lets the plan continue, as configured; a failed runbook carries its output', () => {
    expect(resolveActionTimeout('start-app', { timeoutSeconds: 300, onTimeout: 'Fail' })).toMatchObject({ state: 'Failed', errorCode: 'ActionTimedOut', errorMessage: expect.stringContaining('"start-app" got no outcome within 300 s') });
    expect(resolveActionTimeout('start-app', { timeoutSeconds: 300, onTimeout: 'Continue' })).toMatchObject({ state: 'TimedOutContinued', errorCode: 'ActionTimedOut' });
    expect(resolveRunbookOutcome('start-app', { status: 'Failed', output: 'IIS did not start' })).toEqual({ state: 'Failed', errorCode: 'RunbookFailed', errorMessage: 'runbook action "start-app" reported failure: IIS did not start', output: 'IIS did not start' });
    expect(resolveRunbookOutcome('start-app', { status: 'Succeeded', output: 'ok' })).toEqual({ state: 'Succeeded', output: 'ok' });
  });
});

describe('which actions run', () => {
  it('runs an action only for the failover types and directions it lists', () => {
    expect(actionApplies(runbook(), 'TestFailover', 'PrimaryToRecovery')).toBe(true);
    expect(actionApplies(runbook(), 'UnplannedFailover', 'PrimaryToRecovery')).toBe(false);
    expect(actionApplies(runbook(), 'TestFailover', 'RecoveryToPrimary')).toBe(false);
  });

  it('refuses script actions (VMware/physical only in ASR) and runbooks without a webhook, with what to do', () => {
    const script: RecoveryPlanAction = { ...runbook(), customDetails: { instanceType: 'ScriptActionDetails', path: 'C:\\scripts\\x.ps1', fabricLocation: 'Recovery' } };
    const webhooks = { '/subscriptions/s/resourcegroups/rg/providers/microsoft.automation/automationaccounts/aa/runbooks/startapp': { webhookUrl: 'https://hook.example/w?token=x' } };
    expect(() => assertActionSupported(script, webhooks)).toThrow(expect.objectContaining({ code: 'ScriptActionNotSupported', message: expect.stringContaining('runbook') }));
    expect(() => assertActionSupported(runbook(), {})).toThrow(expect.objectContaining({ code: 'RunbookWebhookMissing', message: expect.stringContaining('ASR_RUNBOOK_WEBHOOKS') }));
    expect(() => assertActionSupported(runbook(), webhooks)).not.toThrow();
    expect(() => assertActionSupported({ ...runbook(), customDetails: { instanceType: 'ManualActionDetails', description: 'x' } }, {})).not.toThrow();
  });
});

describe('settings and tokens', () => {
  it('needs a signing key of 32+ bytes and a public base URL', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(() => automationSettingsFromEnv({})).toThrow(expect.objectContaining({ code: 'AutomationNotConfigured', message: expect.stringContaining('ASR_CALLBACK_SIGNING_KEY') }));
    expect(() => automationSettingsFromEnv({ ASR_CALLBACK_SIGNING_KEY: Buffer.alloc(16).toString('base64'), ASR_PUBLIC_BASE_URL: 'http://x' })).toThrow(/16 bytes/);
    expect(() => automationSettingsFromEnv({ ASR_CALLBACK_SIGNING_KEY: key })).toThrow(/ASR_PUBLIC_BASE_URL/);
    expect(automationSettingsFromEnv({ ASR_CALLBACK_SIGNING_KEY: key, ASR_PUBLIC_BASE_URL: 'http://127.0.0.1:7071/' })).toMatchObject({ publicBaseUrl: 'http://127.0.0.1:7071', defaultRunbookTimeoutSeconds: 3600, tokenGraceSeconds: 300 });
  });

  it('a token round-trips its claims; an unsigned (alg none) token is refused', async () => {
    const key = Buffer.alloc(32, 3);
    const now = new Date('2026-11-22T01:00:00Z');
    const { token, claims } = await signCallbackToken({ vault: 'v', plan: 'p', job: 'j', task: 't', instanceId: 'i', eventName: 'e' }, key, { ttlSeconds: 60, now });
    expect(await readCallbackToken(token, key, { now })).toEqual(claims);
    expect(claims.expiresAt).toBe(now.getTime() / 1000 + 60);
    await expect(readCallbackToken(token, key, { now: new Date(now.getTime() + 61_000) })).rejects.toMatchObject({ code: 'CallbackTokenExpired' });
    const [, payload] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    await expect(readCallbackToken(none, key, { now })).rejects.toMatchObject({ code: 'CallbackTokenMalformed' });
  });
});
