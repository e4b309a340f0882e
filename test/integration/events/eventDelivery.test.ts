import type { SiteRecoveryManagementClient } from '@azure/arm-recoveryservices-siterecovery';
import { ArmApi } from '../../../shared/arm';
import { EventDispatcher, EventOutbox } from '../../../shared/events';
import { DevelopmentIssuer, TokenVerifier } from '../../../shared/security';
import type { ReplicationPolicy } from '../../../shared/replication';
import { tempDir } from '../../support/tempDir';
import { startArmTestHarness, type ArmTestHarness } from '../api/armTestHarness';
import { siteRecoveryClient } from '../api/siteRecoveryClient';
import { useReplicationHarness, VAULT_KEY } from '../replication/replicationHarness';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

const POLICY: ReplicationPolicy = { replicationInterval: 300, recoveryPointHistoryDurationInHours: 2, applicationConsistentSnapshotFrequencyInHours: 0 };
const [SUB, RG, VAULT] = VAULT_KEY.split('/');
const V = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.RecoveryServices/vaults/${VAULT}`;
const SECRET = 'a-shared-secret-of-at-least-32-characters';

describe('alert settings and event delivery to webhooks (Azurite, Cosmos DB, loopback receivers)', () => {
  const suite = useReplicationHarness('delivery-');
  const keys = tempDir('delivery-keys-');
  let dev: ArmTestHarness;
  let prod: ArmTestHarness;
  let token: string;
  let client: SiteRecoveryManagementClient;
  let receiver: WebhookReceiver;

  const put = (h: ArmTestHarness, name: string, body: unknown) => fetch(`${h.url}${V}/replicationAlertSettings/${name}?api-version=2023-08-01`, {
    method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  // A health code that is not a quarantine (a quarantine also raises its own LogQuarantined event; see replicationEvents.test.ts).
  const raise = (disk: Parameters<ReturnType<typeof suite.h.deps>['health']['raise']>[0], code: 'ReplicationLag' | 'ReplicationGap', severity: 'Warning' | 'Critical') =>
    suite.h.deps().health.raise(disk, { code, severity, message: `${code} on ${disk.item}`, recommendedAction: 'Look' });
  const clear = (disk: Parameters<ReturnType<typeof suite.h.deps>['health']['clear']>[0]) => suite.h.deps().health.clear(disk, ['ReplicationLag', 'ReplicationGap']);

  beforeAll(async () => {
    const issuer = await DevelopmentIssuer.open(keys.path);
    const verifier = TokenVerifier.fromJwks(issuer.jwks(), issuer.issuer, issuer.audience);
    const options = { store: suite.h.store, verifier, log: () => undefined, subscriptions: [SUB] };
    dev = await startArmTestHarness(new ArmApi({ ...options, development: true }));
    prod = await startArmTestHarness(new ArmApi(options));
    token = await issuer.mintToken({ role: 'Contributor', subject: 'carol' });
    client = siteRecoveryClient(dev.url, SUB, token);
    const created = await fetch(`${dev.url}${V}?api-version=2023-08-01`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'westeurope' }),
    });
    expect(created.status).toBe(201);
    receiver = await startWebhookReceiver(SECRET);
  });

  afterAll(async () => {
    await Promise.all([dev?.stop(), prod?.stop(), receiver?.stop()]);
    keys.cleanup();
  });

  it('replicationAlertSettings: ASR\'s shape through the official client, webhooks validated at the edge, the secret never answered', async () => {
    const asr = await client.replicationAlertSettings.create(VAULT, RG, 'defaultAlertSetting', { properties: { sendToOwners: 'Send', customEmailAddresses: ['ops@example.com'], locale: 'en-US' } });
    expect(asr.properties).toMatchObject({ sendToOwners: 'Send', customEmailAddresses: ['ops@example.com'], locale: 'en-US' });

    const refusals: [ArmTestHarness, string, string][] = [
      [dev, 'http://example.com/hook', 'must be https (got http)'],
      [dev, 'ftp://127.0.0.1/hook', 'must be https (got ftp)'],
      [dev, 'https://user:pw@example.com/hook', 'must not carry a user name or password'],
      [dev, 'not a url', "'not a url' is not an absolute URL"],
      [prod, receiver.url, 'plain http is accepted only for a loopback receiver in local development'],
    ];
    for (const [h, url, says] of refusals) {
      const r = await put(h, 'ops', { properties: { webhooks: [{ name: 'teams', url, signingSecret: SECRET }] } });
      const body = await r.json() as { error: { code: string; message: string } };
      expect([r.status, body.error.code]).toEqual([400, 'InvalidRequestBody']);
      expect(body.error.message).toContain(`properties.webhooks.0.url: ${says}`);
    }
    const short = await put(dev, 'ops', { properties: { webhooks: [{ name: 'teams', url: receiver.url, signingSecret: 'short' }] } });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { message: string } }).error.message).toContain('properties.webhooks.0.signingSecret: at least 32 characters');

    const ok = await put(dev, 'ops', { properties: { webhooks: [{ name: 'teams', url: receiver.url, signingSecret: SECRET, minimumSeverity: 'Warning' }] } });
    expect(ok.status).toBe(200);
    const shown = await client.replicationAlertSettings.get(VAULT, RG, 'ops');
    const raw = await (await fetch(`${dev.url}${V}/replicationAlertSettings/ops?api-version=2023-08-01`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(shown.name).toBe('ops');
    expect(raw).not.toContain(SECRET);
    expect(JSON.parse(raw).properties.webhooks).toEqual([{ name: 'teams', url: receiver.url, minimumSeverity: 'Warning', signingSecretSet: true }]);
    const listed = [];
    for await (const a of client.replicationAlertSettings.list(VAULT, RG)) listed.push(a.name);
    expect(listed.sort()).toEqual(['defaultAlertSetting', 'ops']);
  });

  it('each event at or above the minimum severity reaches the webhook signed, once per id, in order per item, also after the receiver failed', async () => {
    const a = await suite.h.protect('vm-a', POLICY);
    const b = await suite.h.protect('vm-b', POLICY);
    const dispatcher = new EventDispatcher(suite.h.store);
    // vm-a: Warning, Critical, back to Normal (Info: below the webhook's minimum, not sent); vm-b: Critical.
    await raise(a, 'ReplicationLag', 'Warning');
    await raise(a, 'ReplicationGap', 'Critical');
    await raise(b, 'ReplicationGap', 'Critical');
    await clear(a);

    // The receiver refuses vm-a's first event once: vm-a's second must not overtake it; vm-b goes on.
    let refused = false;
    receiver.answer = (post) => {
      if (!refused && post.body.event.properties.affectedObjectFriendlyName === 'vm-a') { refused = true; return 503; }
      return 200;
    };
    const first = await dispatcher.deliverAll();
    expect(first).toEqual({ delivered: 1, failed: 1 });
    expect(receiver.posts.map((p) => p.body.event.properties.affectedObjectFriendlyName)).toEqual(['vm-b']);

    expect(await dispatcher.deliverAll()).toEqual({ delivered: 2, failed: 0 });
    expect(await dispatcher.deliverAll()).toEqual({ delivered: 0, failed: 0 });
    const got = receiver.unique();
    expect(got.every((p) => p.verified)).toBe(true);
    const ofA = got.filter((p) => p.body.event.properties.affectedObjectFriendlyName === 'vm-a');
    expect(ofA.map((p) => p.body.event.properties.severity)).toEqual(['Warning', 'Critical']);
    expect(ofA.map((p) => p.body.event.sequence)).toEqual([1, 2]);
    expect(ofA[1].body.text).toBe(`[Critical] ${VAULT}: Replication health of vm-a changed from Warning to Critical: ReplicationGap: ReplicationGap on vm-a — Look`);
    expect(ofA[0].id).toBe(ofA[0].body.event.name);
    // The Info event (back to Normal) was below the webhook's minimum: listed, not sent, not pending.
    const events = await suite.h.store.listEvents(VAULT_KEY, { affectedObjectFriendlyName: 'vm-a' });
    expect(events.items.map((e) => [e.properties.severity, e.delivery?.pending])).toEqual([['Info', false], ['Critical', false], ['Warning', false]]);
    // Refused once, delivered on the second round; the error of a round that ended delivered is not kept.
    expect(events.items[2].delivery).toEqual({ pending: false, deliveredTo: ['ops/teams'], attempts: 2 });
  });

  it('an event whose writer died before publishing is still delivered (outbox flushed, then sent)', async () => {
    const c = await suite.h.protect('vm-c', POLICY);
    receiver.answer = () => 200;
    const before = receiver.posts.length;
    // Lose the publish: the write commits the outbox, the process "dies" before copying it.
    const publish = jest.spyOn(EventOutbox.prototype, 'publishAfterWrite').mockResolvedValue(undefined);
    try {
      await raise(c, 'ReplicationGap', 'Critical');
    } finally {
      publish.mockRestore();
    }
    expect(await new EventDispatcher(suite.h.store).deliverAll()).toEqual({ delivered: 0, failed: 0 }); // nothing published yet
    expect(await new EventOutbox(suite.h.store).flushAll()).toBe(1);
    expect(await new EventDispatcher(suite.h.store).deliverAll()).toEqual({ delivered: 1, failed: 0 });
    expect(receiver.posts.slice(before).map((p) => [p.body.event.properties.affectedObjectFriendlyName, p.verified])).toEqual([['vm-c', true]]);
  });
});
