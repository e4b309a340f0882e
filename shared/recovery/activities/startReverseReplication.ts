import { randomUUID } from 'node:crypto';
import { resourceDocumentId, vaultRelativeSegments, type PolicyProperties, type ProtectedItemProperties, type ResourceDocument } from '../../metadata';
import { vaultSegmentOf } from '../../replication';
import { RecoveryError } from '../plan/RecoveryError';
import { recoveredMachineOf } from './failbackActivities';
import { ReverseReplicationRecords } from './ReverseReplicationRecords';
import { stepReverseReplication, type ReverseReplicationDeps } from './stepReverseReplication';

/** The rounds' interval: the item's policy's replication interval, or `RECOVERY_REVERSE_INTERVAL_SECONDS` (tests, dev). */
async function intervalOf(deps: ReverseReplicationDeps, vaultKey: string, item: ResourceDocument<ProtectedItemProperties>, env: NodeJS.ProcessEnv): Promise<number> {
  const override = Number(env.RECOVERY_REVERSE_INTERVAL_SECONDS);
  if (Number.isInteger(override) && override > 0) return override;
  const segments = vaultRelativeSegments(item.properties.policyId);
  const policy = segments ? await deps.store.getResource<PolicyProperties>(vaultKey, resourceDocumentId(segments)) : undefined;
  return Number(policy?.properties.providerSpecificDetails.replicationInterval ?? 300);
}

/**
 * The reprotect RecoveryToPrimary job's machine task: writes the item's standing reverse
 * replication record (the key, if any, sealed to the record) and asks the agent for round 1 at
 * once; the `reverseReplication` timer does the rest. Returns what it did, in words.
 */
export async function startReverseReplication(
  deps: ReverseReplicationDeps, input: { vaultKey: string; jobId: string; doc: ResourceDocument<ProtectedItemProperties>; wrappedKey?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const item = { vault: vaultSegmentOf(input.vaultKey), item: input.doc.armId.split('/').filter(Boolean).pop()! };
  const found = await recoveredMachineOf(deps.fabric, item);
  const fingerprint = input.doc.properties.providerSpecificDetails.encryptionKeyFingerprint || undefined;
  if (fingerprint && !input.wrappedKey) {
    throw new RecoveryError('EncryptionKeyRequired', `${input.doc.name} is encrypted: reverse replication needs its key`, { possibleCauses: 'The reprotect was started without the key.', recommendedAction: 'Reprotect again with primaryKekCertificatePfx (--key-file).' });
  }
  const records = new ReverseReplicationRecords(deps.replication.blobs);
  const existing = await records.read(item);
  const roundJobId = existing?.record.roundJobId ?? `reverse-${randomUUID()}`;
  let sealedKey: string | undefined;
  if (input.wrappedKey) {
    const key = deps.keys.unwrap(input.wrappedKey, input.jobId);
    try {
      sealedKey = deps.keys.wrap(key, roundJobId);
    } finally {
      key.fill(0);
    }
  }
  const intervalSeconds = await intervalOf(deps, input.vaultKey, input.doc, env);
  if (!existing) {
    await records.put({
      vaultKey: input.vaultKey, itemArmId: input.doc.armId, vault: item.vault, item: item.item, roundJobId,
      startedAt: (deps.now?.() ?? new Date()).toISOString(), intervalSeconds, diskIds: found.diskIds.length ? found.diskIds : ['disk0'],
      ...(fingerprint ? { keyFingerprint: fingerprint } : {}), ...(sealedKey ? { sealedKey } : {}),
      round: 0, roundsCompleted: 0, totalBytesShipped: 0,
    });
  }
  const step = await stepReverseReplication(deps, item);
  return [`${input.doc.name}: reverse replication from ${found.machine.machineName} to the primary site every ${intervalSeconds} s (${step.state === 'requested' ? `round ${step.round} asked of the primary site's agent` : step.state})`];
}
