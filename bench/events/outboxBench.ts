/**
 * What replication events cost, in one run so the numbers compare (docs/events.md, "Cost"):
 *  1. added latency of a state change that raises an event: the same If-Match write of a
 *     protected item with and without an event in its outbox, plus the publish after it;
 *  2. events/s through the outbox and the dispatcher to a loopback webhook that verifies nothing;
 *  3. what one event adds to the merge of a 4 MiB log, measured directly (./mergeEventCost).
 * Cosmos DB is the embedded emulator in memory; both sides of each ratio run against it.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/events/outboxBench.js [states=200] [mergeRounds=15]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { COSMOS_EMULATOR_KEY } from '../../devhost/emulators/EmulatorSettings';
import { startCosmosServer } from '../../devhost/emulators/CosmosServer';
import { appendToOutbox, EventDispatcher, EventOutbox } from '../../shared/events';
import { measureMergeEventCost } from './mergeEventCost';
import { ensureMetadataStore, type ProtectedItemProperties, type ResourceDocument } from '../../shared/metadata';

const VAULT_KEY = '00000000-0000-0000-0000-0000000000bb/rg/bench';
const VAULT_ARM = '/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/bench';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  const mergeRounds = Number(process.argv[3] ?? 15);
  const server = await startCosmosServer({ host: '127.0.0.1', port: 0 });
  const store = await ensureMetadataStore({ endpoint: server.endpoint, key: COSMOS_EMULATOR_KEY, databaseId: 'bench', jobTtlSeconds: 3600, auditTtlSeconds: 3600 });
  const hook = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end(); }); });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
  const now = new Date().toISOString();
  await store.createResource({ id: 'replicationalertsettings|ops', vaultKey: VAULT_KEY, kind: 'alertSetting', name: 'ops', armId: `${VAULT_ARM}/replicationAlertSettings/ops`, refs: [],
    properties: { sendToOwners: 'DoNotSend', customEmailAddresses: [], locale: '', webhooks: [{ name: 'hook', url, signingSecret: 'x'.repeat(32), minimumSeverity: 'Info' }] }, createdAt: now, updatedAt: now });
  const item = (i: number): ResourceDocument<ProtectedItemProperties> => ({
    id: `replicationfabrics|f|replicationprotectioncontainers|c|replicationprotecteditems|vm${i}`, vaultKey: VAULT_KEY, kind: 'protectedItem', name: `vm${i}`,
    armId: `${VAULT_ARM}/replicationFabrics/f/replicationProtectionContainers/c/replicationProtectedItems/vm${i}`, refs: [],
    properties: { friendlyName: `vm${i}`, policyId: 'p', protectionState: 'Protected', replicationHealth: 'Normal', activeLocation: 'Primary', allowedOperations: [], healthErrors: [],
      providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: [{ diskId: 'os' }] } },
    createdAt: now, updatedAt: now,
  });
  const docs: ResourceDocument<ProtectedItemProperties>[] = [];
  for (let i = 0; i < n; i++) docs.push(await store.createResource(item(i)));
  const outbox = new EventOutbox(store);

  const time = async (f: () => Promise<void>) => { const t = process.hrtime.bigint(); await f(); return Number(process.hrtime.bigint() - t) / 1e6; };
  // Without events: the write alone.
  const plain = await time(async () => {
    for (let i = 0; i < n; i++) docs[i] = await store.replaceResource({ ...docs[i], updatedAt: new Date().toISOString() }, { ifMatch: docs[i]._etag });
  });
  // With one event each: the same write carrying it, then the publish (copy + clear).
  const withEvent = await time(async () => {
    for (let i = 0; i < n; i++) {
      const changed = appendToOutbox({ ...docs[i], properties: { ...docs[i].properties, replicationHealth: 'Warning' as const } }, 'resources', [{
        eventCode: 'ReplicationHealthChanged', eventType: 'VmHealth', severity: 'Warning', description: `vm${i} Warning`, affectedObjectFriendlyName: `vm${i}`,
        affectedObjectCorrelationId: docs[i].armId, timeOfOccurrence: new Date().toISOString(), healthErrors: [],
      }]);
      const written = await store.replaceResource(changed, { ifMatch: docs[i]._etag });
      await outbox.publishAfterWrite('resources', written);
    }
  });
  const dispatcher = new EventDispatcher(store);
  let delivered = 0;
  const deliver = await time(async () => {
    for (;;) { const r = await dispatcher.deliverAll(); delivered += r.delivered; if (r.delivered === 0) break; }
  });
  const merge = await measureMergeEventCost(store, VAULT_KEY, VAULT_ARM, mergeRounds);
  console.log(JSON.stringify({
    states: n,
    writeMsWithoutEvent: +(plain / n).toFixed(2),
    writeMsWithEventAndPublish: +(withEvent / n).toFixed(2),
    addedMsPerEvent: +((withEvent - plain) / n).toFixed(2),
    delivered,
    deliveredEventsPerSecond: Math.round(delivered / (deliver / 1000)),
    merge4MiB: merge,
  }));
  hook.close();
  await server.stop();
}

void main().catch((err) => { console.error(err); process.exit(1); });
