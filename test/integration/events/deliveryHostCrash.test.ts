import { resolve } from 'node:path';
import { vaultSegmentOf } from '../../../shared/contracts/vaultSegment';
import { waitFor } from '../../support/waitFor';
import { createSite, startRecoveryHost, V, VAULT_KEY, type RecoveryHost } from '../recovery/recoveryHarness';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

const SECRET = 'a-shared-secret-of-at-least-32-characters';

/**
 * The whole app under funclocal (its deliverEvents timer included), killed with SIGKILL while
 * it posts an event: after the restart the event still arrives, with the same id.
 */
describe('event delivery survives kill -9 of the host in the middle of a post (npm start app)', () => {
  let h: RecoveryHost;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    h = await startRecoveryHost({}, { app: resolve(__dirname, '../../..') });
    await createSite(h, [{ name: 'kc1', disks: ['os'] }]);
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
    await receiver?.stop();
  });

  it('the receiver holds the first post, the host is killed, the restarted host posts the event again (same id, signed)', async () => {
    receiver.answer = (_post, n) => (n === 0 ? 'hang' : 200);
    const put = await h.call('PUT', `${V}/replicationAlertSettings/ops`, { properties: { webhooks: [{ name: 'hook', url: receiver.url, signingSecret: SECRET, minimumSeverity: 'Warning' }] } });
    expect(put.status).toBe(200);

    // The state change, committed with its event (here by the merge's health reporter in this process).
    await h.replication.health.raise({ vault: vaultSegmentOf(VAULT_KEY), item: 'kc1', disk: 'os' },
      { code: 'LogQuarantined', severity: 'Critical', message: 'log 7 of os was quarantined', recommendedAction: 'Resync the disk' });

    await waitFor(() => receiver.attempts.length >= 1 || undefined, { timeoutMs: 60_000, intervalMs: 100, describe: 'the host to post the event' });
    expect(receiver.posts).toEqual([]); // held: not acknowledged
    const first = receiver.attempts[0];
    await h.restart(true);

    // Then the quarantine's own event, after it: in order per affected object.
    await waitFor(() => receiver.unique().length >= 2 || undefined, { timeoutMs: 60_000, intervalMs: 100, describe: 'the restarted host to post the events again' });
    const got = receiver.unique();
    expect(got.map((p) => [p.id, p.verified, p.body.event.properties.eventCode, p.body.event.properties.severity])).toEqual([
      [first.id, true, 'ReplicationHealthChanged', 'Critical'], [expect.any(String), true, 'LogQuarantined', 'Critical'],
    ]);
    expect(got[0].body.text).toContain('LogQuarantined: log 7 of os was quarantined');
  }, 180_000);
});
