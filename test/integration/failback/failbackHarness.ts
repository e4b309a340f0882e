import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PageBlobClient } from '@azure/storage-blob';
import { AgentStateStore, ReplicationAgent, type FailbackServeOptions, serveFailback } from '../../../shared/agent';
import type { FailbackRequest } from '../../../shared/contracts/FailbackTransfers';
import { azureVirtualSize } from '../../../shared/disk';
import type { AgentCloud } from '../agent/agentHarness';

export const BLOCK = 4096;

/** A disk image file made and written by qemu (the judge), `size` as qemu-img takes it (e.g. 10000k). */
export function qemuDisk(path: string, size: string, writes: string[]): void {
  execFileSync('qemu-img', ['create', '-q', '-f', 'raw', path, size]);
  execFileSync('qemu-io', ['-f', 'raw', ...writes.flatMap((c) => ['-c', c]), path], { encoding: 'utf8' });
}

/**
 * The recovered machine's disk as the local fabric holds it: a fixed-VHD-sized page blob
 * (data rounded up to whole MiB + footer space) holding the source file's bytes.
 */
export async function recoveredBlobFrom(cloud: AgentCloud, name: string, file: string): Promise<PageBlobClient> {
  const data = readFileSync(file);
  const container = cloud.blobs.getContainerClient('fabric-disks');
  await container.createIfNotExists();
  const blob = container.getPageBlobClient(name);
  await blob.create(azureVirtualSize(data.length) + 512);
  const chunk = 4 * 1024 * 1024;
  for (let at = 0; at < data.length; at += chunk) {
    const piece = data.subarray(at, Math.min(at + chunk, data.length));
    if (piece.some((b) => b !== 0)) await blob.uploadPages(piece, at, piece.length);
  }
  return blob;
}

/** The workload in the target fabric writes random data to `count` distinct random blocks below `size`; returns them. */
export async function writeRandomBlocks(blob: PageBlobClient, size: number, count: number): Promise<number[]> {
  const blocks = new Set<number>();
  const total = Math.floor(size / BLOCK);
  while (blocks.size < count) blocks.add(Math.floor(Math.random() * total));
  for (const b of blocks) await blob.uploadPages(randomBytes(BLOCK), b * BLOCK, BLOCK);
  return [...blocks].sort((a, b) => a - b);
}

/** One step of the agent's failback, the agent opened and closed around it (as `asr agent sync` does). */
export async function agentServe(cloud: AgentCloud, stateDir: string, vault: string, item: string, options: FailbackServeOptions & { keyFile?: string } = {}) {
  const agent = await ReplicationAgent.open(new AgentStateStore(stateDir, vault, item), cloud.blobs, options.keyFile);
  try {
    return await serveFailback(agent, cloud.blobs, options);
  } finally {
    await agent.close();
  }
}

export function roundRequest(jobId: string, round: number, disks: FailbackRequest['disks'], extra: Partial<FailbackRequest> = {}): FailbackRequest {
  return { jobId, round, phase: round === 1 ? 'sync' : 'final', requestedAt: new Date().toISOString(), disks, encrypted: false, ...extra };
}

/** Downloads a page blob to a file (the recovered disk, for qemu-img compare). */
export async function downloadBlob(blob: PageBlobClient, file: string): Promise<void> {
  await blob.downloadToFile(file);
}
