import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerAgentCommands } from '../../../cli/commands/agent';
import { registerItemCommands } from '../../../cli/commands/item';
import { AgentStateStore, syncItem } from '../../../shared/agent';
import { buildHrl } from '../../../shared/hrl';
import { digestOfBuffer } from '../../../shared/integrity';
import {
  appliedChecksumOf, diskPrefix, journalBlob, LOG_METADATA, listPendingLogs, pendingContainer, pendingLogBlob, readReplica, REPLICA_CONTAINERS,
  replicaClient, type DiskRef,
} from '../../../shared/replication';
import { runAsrInProcess, type AsrRun } from '../../support/runAsrInProcess';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../devhost/triggerRecords';
import { AgentCloud, qemuIo, startAgentCloud, pointCliAt } from './agentHarness';

const MiB = 1024 * 1024;

/** Runs `asr <args>` in-process, as an operator would type it. */
function asr(...args: string[]): Promise<AsrRun> {
  return runAsrInProcess([registerAgentCommands, registerItemCommands], args);
}

/**
 * Issue 10 §3: whose log is it? A divergent log of an applied sequence, a second machine under a
 * taken item name, and agent state used against a service that does not know it, each seen as
 * an operator sees them: `asr` output and exit status, the item's health, blobs in storage.
 */
describe('replication identity: divergent logs, second agents and foreign state (real agent, CLI, merge engine)', () => {
  let cloud: AgentCloud;
  const dir = tempDir('repl-identity-');
  let restoreEnv: () => void;

  beforeAll(async () => {
    cloud = await startAgentCloud();
    restoreEnv = pointCliAt(cloud);
    delete process.env.ASR_RESOURCE_GROUP;
    await cloud.createVaultAndPolicy('vi', 'p30', false);
  });
  afterAll(async () => {
    restoreEnv();
    await cloud.stop();
    dir.cleanup();
  });

  /** An 8 MiB raw disk with some data. */
  function makeDisk(name: string, pattern: number): string {
    const path = join(dir.path, `${name}.raw`);
    writeFileSync(path, Buffer.alloc(8 * MiB));
    qemuIo(path, 'raw', `write -P 0x${pattern.toString(16)} 0 2M`);
    return path;
  }

  async function protect(item: string, disk: string, stateDir: string): Promise<{ ref: DiskRef; protectionId: string; itemArmId: string }> {
    const run = await asr('agent', 'protect', 'vi', item, '--disk', disk, '--policy', 'p30', '--state-dir', stateDir, '--seed-log-mib', '1');
    expect(run.err).toBe('');
    expect(run.out).toContain(`completed initial replication of ${item}`);
    const state = (await new AgentStateStore(stateDir, 'vi', item).require());
    return { ref: { vault: state.vaultSegment, item, disk: 'disk0' }, protectionId: state.protectionId!, itemArmId: state.itemArmId };
  }

  /** A well-formed log of `ref` for `sequence` that writes 17 blocks of 0xEE, stamped as `protectionId`'s. */
  async function forge(ref: DiskRef, sequence: bigint, protectionId: string): Promise<Buffer> {
    const image = Buffer.alloc(8 * MiB, 0xee);
    const bytes = buildHrl({
      vaultId: ref.vault, protectedItemId: ref.item, diskId: ref.disk, sequence, epoch: 1n, virtualSize: 8 * MiB,
      cutTimeMs: Date.now(), consistency: 'crash', finalPlannedFailover: false, diskDigest: digestOfBuffer(image),
    }, [{ offset: 6 * MiB, payload: image.subarray(0, 17 * 4096) }]);
    await cloud.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob(ref, sequence))
      .uploadData(bytes, { metadata: { [LOG_METADATA.protectionId]: protectionId } });
    return bytes;
  }

  async function quarantined(ref: DiskRef): Promise<{ name: string; reason: string; stampedSha?: string; protectionId?: string }[]> {
    const out = [];
    for await (const b of cloud.blobs.getContainerClient(REPLICA_CONTAINERS.quarantine).listBlobsFlat({ prefix: diskPrefix(ref), includeMetadata: true })) {
      out.push({ name: b.name, reason: decodeURIComponent(b.metadata?.reason ?? ''), stampedSha: b.metadata?.[LOG_METADATA.sha256], protectionId: b.metadata?.[LOG_METADATA.protectionId] });
    }
    return out;
  }

  const lastApplied = async (ref: DiskRef) => (await readReplica(replicaClient(cloud.deps, ref)))!.state!;

  it('a forged log merged first: the agent\'s own log of that sequence is quarantined, not deleted, and `agent sync` fails naming the divergence; the item is Critical', async () => {
    const disk = makeDisk('web01', 0x11);
    const stateDir = join(dir.path, 'state-web01');
    const { ref, protectionId } = await protect('web01', disk, stateDir);
    const seeded = await lastApplied(ref);

    // Someone with write access to the logs gets a well-formed log 2+ in before the agent (stamped with the right protection id).
    const next = seeded.lastAppliedSequence + 1n;
    await forge(ref, next, protectionId);
    await waitFor('the forged log to be merged', async () => (await lastApplied(ref)).lastAppliedSequence === next, 30_000);

    qemuIo(disk, 'raw', 'write -P 0x22 3M 64k');
    const sync = await asr('agent', 'sync', 'vi', 'web01', '--state-dir', stateDir);
    expect(sync.code).toBe(1);
    expect(sync.out).not.toMatch(/merged\n$/);
    expect(sync.err).toMatch(new RegExp(`^LogDivergent: the replica of disk .*web01/disk0 applied a different log as sequence ${next} than the one this agent shipped .*resynchronize`));
    expect(sync.err).toContain(stateDir);

    // The agent's genuine log is kept in quarantine (recognisable by its own checksum), never deleted as a "redelivery".
    const own = (await new AgentStateStore(stateDir, 'vi', 'web01').require()).disks[0].shipped.find((l) => l.sequence === Number(next))!;
    expect(own.sha256).not.toBe(appliedChecksumOf(await lastApplied(ref), next));
    await waitFor('the genuine log in quarantine', async () => (await quarantined(ref)).some((q) => q.stampedSha === own.sha256 && q.reason === 'LogDivergent'), 30_000);
    expect(await listPendingLogs(pendingContainer(cloud.deps), ref)).toEqual([]);

    const show = await asr('item', 'show', 'vi', 'web01');
    expect(show.out).toMatch(/Critical/);
    expect(show.out).toMatch(new RegExp(`Error LogDivergent \\(disk0\\): Two different replica logs claim sequence ${next} of disk disk0`));
    expect(show.out).toMatch(/recommended action: Find who else writes this disk's logs .* resynchronize the disk \('asr item resync <vault> web01'\)/);
  }, 180_000);

  it('a forged log arriving after the genuine one is quarantined and the replica keeps the genuine log; a true redelivery is dropped silently', async () => {
    const disk = makeDisk('web05', 0x15);
    const stateDir = join(dir.path, 'state-web05');
    const { ref, protectionId } = await protect('web05', disk, stateDir);
    qemuIo(disk, 'raw', 'write -P 0x25 3M 64k');
    const sync = await asr('agent', 'sync', 'vi', 'web05', '--state-dir', stateDir);
    expect([sync.err, sync.out.endsWith('merged\n')]).toEqual(['', true]);
    const applied = await lastApplied(ref);
    const seq = applied.lastAppliedSequence;

    // The genuine log again (a redelivery after a crash): same bytes, dropped without a word.
    const genuine = await cloud.blobs.getContainerClient(REPLICA_CONTAINERS.journal).getBlobClient(journalBlob(ref, 1n, seq)).downloadToBuffer();
    await cloud.blobs.getContainerClient(REPLICA_CONTAINERS.pending).getBlockBlobClient(pendingLogBlob(ref, seq)).uploadData(genuine, { metadata: { [LOG_METADATA.protectionId]: protectionId } });
    await waitFor('the redelivery to be dropped', async () => (await listPendingLogs(pendingContainer(cloud.deps), ref)).length === 0, 30_000);
    expect(await quarantined(ref)).toEqual([]);

    // A forgery of the same sequence: quarantined; the replica's record of that sequence is still the agent's.
    await forge(ref, seq, protectionId);
    await waitFor('the forgery in quarantine', async () => (await quarantined(ref)).some((q) => q.reason === 'LogDivergent'), 30_000);
    const after = await lastApplied(ref);
    expect([after.lastAppliedSequence, appliedChecksumOf(after, seq)]).toEqual([seq, appliedChecksumOf(applied, seq)]);
    expect((await asr('item', 'show', 'vi', 'web05')).out).toMatch(/Error LogDivergent \(disk0\)/);
    // The agent's own logs are all applied: it still says merged (the item's Critical health tells the operator).
    qemuIo(disk, 'raw', 'write -P 0x26 5M 4k');
    expect((await asr('agent', 'sync', 'vi', 'web05', '--state-dir', stateDir)).out).toMatch(/merged\n$/);
  }, 180_000);

  it('a second machine under a taken item name is refused at once (409 naming the protected disk and how to go on)', async () => {
    const diskA = makeDisk('web02-a', 0x31);
    const { ref, protectionId } = await protect('web02', diskA, join(dir.path, 'state-web02-a'));

    const diskB = makeDisk('web02-b', 0x41);
    writeFileSync(diskB, Buffer.alloc(16 * MiB));
    const second = await asr('agent', 'protect', 'vi', 'web02', '--disk', diskB, '--policy', 'p30', '--state-dir', join(dir.path, 'state-web02-b'));
    expect(second.code).toBe(1);
    expect(second.out).not.toContain('completed');
    expect(second.err).toMatch(/^ItemAlreadyProtected: protected item 'web02' already protects disk0 = web02-a\.raw \(8 MiB\) .*this request names disk0 = web02-b\.raw \(16 MiB\).*choose another item name/);
    expect((await lastApplied(ref)).protectionId).toBe(protectionId);
  }, 180_000);

  it('a log of another protection (protection disabled and enabled again since the agent\'s state was written) is quarantined at once and fails its agent at once', async () => {
    const diskA = makeDisk('web04', 0x33);
    const stateA = join(dir.path, 'state-web04');
    const { ref, protectionId, itemArmId } = await protect('web04', diskA, stateA);

    // Protection of web04 is disabled and enabled again (another id); the agent's state still holds the old one.
    await cloud.api.delete(itemArmId);
    const again = await cloud.api.put(itemArmId, {
      properties: { policyId: `${cloud.api.vaultPath('vi')}/replicationPolicies/p30`, providerSpecificDetails: { instanceType: 'HyperVReplicaAzure', disks: [{ diskId: 'disk0' }] } },
    }) as { properties: { providerSpecificDetails: { protectionId: string } } };
    const newId = again.properties.providerSpecificDetails.protectionId;
    expect(newId).not.toBe(protectionId);

    // An agent that ships anyway (no API check): its log is quarantined at once and it fails at once.
    qemuIo(diskA, 'raw', 'write -P 0x32 3M 64k');
    const started = Date.now();
    await expect(syncItem(cloud.blobs, { vault: 'vi', item: 'web04', stateDir: stateA, merge: { pollMs: 100 } }))
      .rejects.toMatchObject({ code: 'ForeignProtection', message: expect.stringMatching(/the item's protection is not the one this agent was issued/) });
    expect(Date.now() - started).toBeLessThan(20_000);
    const q = await quarantined(ref);
    expect(q.map((x) => [x.reason, x.protectionId])).toEqual([['ForeignProtection', protectionId]]);
    expect((await lastApplied(ref)).protectionId).toBe(protectionId); // nothing of it was applied
    const show = await asr('item', 'show', 'vi', 'web04');
    expect(show.out).toMatch(new RegExp(`Error ForeignProtection \\(disk0\\): Replica log \\d+ of disk disk0 carries protection id ${protectionId}, but protected item 'web04' was enabled as protection ${newId}`));
    expect(show.out).toMatch(/recommended action: Stop the agent that shipped it/);
  }, 180_000);

  it('agent state used against another endpoint, or for a protection the service no longer knows, is a clear error within seconds', async () => {
    const disk = makeDisk('web03', 0x51);
    const stateDir = join(dir.path, 'state-web03');
    const { itemArmId } = await protect('web03', disk, stateDir);
    const stateAt = join(stateDir, 'vi', 'web03');

    // Another server (nothing even listens there) and another resource group: refused before any request.
    for (const env of [{ ASR_ENDPOINT: 'http://127.0.0.1:9' }, { ASR_RESOURCE_GROUP: 'other-rg' }]) {
      Object.assign(process.env, env);
      try {
        for (const args of [['protect', 'vi', 'web03', '--disk', disk, '--policy', 'p30'], ['sync', 'vi', 'web03'], ['run', 'vi', 'web03']]) {
          const started = Date.now();
          const run = await asr('agent', ...args, '--state-dir', stateDir);
          expect([args[0], run.code]).toEqual([args[0], 1]);
          expect(run.err).toMatch(new RegExp(`^AgentStateMismatch: the agent state in ${stateAt} belongs to ${cloud.apiUrl.toLowerCase()} \\(subscription .*, resource group local, vault vi\\), not to .*rm -rf '${stateAt}'.*asr agent protect vi web03`));
          expect(Date.now() - started).toBeLessThan(5_000);
        }
      } finally {
        process.env.ASR_ENDPOINT = cloud.apiUrl;
        delete process.env.ASR_RESOURCE_GROUP;
      }
    }

    // The protection is disabled on the service: protect (which used to skip registration and wait 600 s) and sync say so at once.
    await cloud.api.delete(itemArmId);
    for (const args of [['protect', 'vi', 'web03', '--disk', disk, '--policy', 'p30'], ['sync', 'vi', 'web03']]) {
      const started = Date.now();
      const run = await asr('agent', ...args, '--state-dir', stateDir);
      expect([args[0], run.code]).toEqual([args[0], 1]);
      expect(run.err).toMatch(new RegExp(`^ProtectionUnknown: the service at .* has no protected item 'web03' .* recorded in ${stateAt} .*rm -rf '${stateAt}'`));
      expect(Date.now() - started).toBeLessThan(10_000);
    }

    // Starting over as told works.
    const fresh = join(dir.path, 'state-web03-fresh');
    await protect('web03', disk, fresh);
  }, 180_000);
});
