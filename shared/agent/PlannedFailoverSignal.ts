import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';

/** Container of requests from the recovery side to a protected item's agent. */
export const AGENT_CONTROL_CONTAINER = 'agent-control';

const RequestSchema = z.object({ requestId: z.string().min(1), requestedAt: z.string() });
const DoneSchema = z.object({
  requestId: z.string(),
  completedAt: z.string(),
  /** The final log of each disk: drain the replica up to it, then fail over. */
  finalLogs: z.array(z.object({ disk: z.string(), epoch: z.number(), sequence: z.number(), cutTimeMs: z.number() })),
});
export type PlannedFailoverRequest = z.infer<typeof RequestSchema>;
export type PlannedFailoverDone = z.infer<typeof DoneSchema>;

const requestBlob = (vault: string, item: string) => `${vault}/${item}/planned-failover.json`;
const doneBlob = (vault: string, item: string) => `${vault}/${item}/planned-failover-done.json`;

/**
 * How a planned failover asks the source to stop: the recovery side writes
 * `agent-control/{vault}/{item}/planned-failover.json`; the running agent ships one last log
 * per disk with the final-planned-failover flag, writes `planned-failover-done.json` naming
 * those logs, and stops. `{vault}` and `{item}` are the blob path segments of shared/replication.
 */
export class PlannedFailoverSignal {
  constructor(private readonly blobs: BlobServiceClient, private readonly vault: string, private readonly item: string) {}

  private container() {
    return this.blobs.getContainerClient(AGENT_CONTROL_CONTAINER);
  }

  /** Recovery side: asks the agent for its final logs (idempotent per requestId). */
  async request(requestId: string, now = new Date()): Promise<void> {
    await this.container().createIfNotExists();
    const body = JSON.stringify({ requestId, requestedAt: now.toISOString() } satisfies PlannedFailoverRequest);
    await this.container().getBlockBlobClient(requestBlob(this.vault, this.item)).upload(body, Buffer.byteLength(body));
  }

  /** Agent side: the pending request, if any, not yet answered. */
  async pending(): Promise<PlannedFailoverRequest | undefined> {
    const req = await this.read(requestBlob(this.vault, this.item), RequestSchema);
    if (!req) return undefined;
    const done = await this.done();
    return done?.requestId === req.requestId ? undefined : req;
  }

  /** Agent side: reports the final logs. */
  async complete(done: PlannedFailoverDone): Promise<void> {
    await this.container().createIfNotExists();
    const body = JSON.stringify(done);
    await this.container().getBlockBlobClient(doneBlob(this.vault, this.item)).upload(body, Buffer.byteLength(body));
  }

  /** Recovery side: the agent's answer, once it has shipped its final logs. */
  done(): Promise<PlannedFailoverDone | undefined> {
    return this.read(doneBlob(this.vault, this.item), DoneSchema);
  }

  private async read<T>(name: string, schema: z.ZodType<T>): Promise<T | undefined> {
    try {
      const buf = await this.container().getBlobClient(name).downloadToBuffer();
      return schema.parse(JSON.parse(buf.toString('utf8')));
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404) return undefined;
      throw err;
    }
  }
}
