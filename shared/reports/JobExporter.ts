import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { ServiceError } from '../errors';
import type { MetadataStore } from '../metadata';
import { vaultSegmentOf } from '../contracts/vaultSegment';
import type { RecoveryJobDocument } from '../recovery/jobs/RecoveryJobDocument';

/**
 * ASR's `JobQueryParameter` (the body of `replicationJobs/export`), checked. `jobOutputType`
 * Json only: the export is for machines (SIEM, scripts), and ASR's Excel and Xml are what the
 * per-job reports already give people (docs/reports.md).
 */
export const jobQuerySchema = z.object({
  startTime: z.string().datetime({ offset: true }).optional(),
  endTime: z.string().datetime({ offset: true }).optional(),
  fabricId: z.string().optional(),
  affectedObjectTypes: z.string().optional(),
  jobStatus: z.string().optional(),
  jobOutputType: z.enum(['Json']).optional(),
  jobName: z.string().optional(),
  timezoneOffset: z.number().optional(),
}).strict();
export type JobQuery = z.infer<typeof jobQuerySchema>;

/** Comma-separated ASR values (`Succeeded,Failed`), lower-cased; empty means any. */
function listOf(v: string | undefined): string[] {
  return (v ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
}

/** Whether a job matches the query: start time in the window, state, scenario, target type. */
export function jobMatches(job: RecoveryJobDocument, q: JobQuery): boolean {
  const p = job.properties;
  const start = Date.parse(p.startTime);
  if (q.startTime && start < Date.parse(q.startTime)) return false;
  if (q.endTime && start > Date.parse(q.endTime)) return false;
  const states = listOf(q.jobStatus);
  if (states.length && !states.includes(p.state.toLowerCase())) return false;
  const names = listOf(q.jobName);
  if (names.length && !names.includes(p.scenarioName.toLowerCase())) return false;
  const types = listOf(q.affectedObjectTypes);
  if (types.length && !types.includes(p.targetInstanceType.toLowerCase())) return false;
  if (q.fabricId && !p.targetObjectId.toLowerCase().includes(`/replicationfabrics/${q.fabricId.split('/').pop()!.toLowerCase()}/`)) return false;
  return true;
}

/** Where an export job's output is: the job names the blob, the API streams it. */
export function exportBlobName(vaultKey: string, jobName: string): string {
  return `${vaultSegmentOf(vaultKey)}/${jobName}.json`;
}

/**
 * `replicationJobs/export`: the vault's jobs matching a query, written as one JSON blob
 * (`{query, exportedAt, value: [job…]}`, jobs shaped as `GET replicationJobs` answers them) in
 * the `job-exports` container, and an `ExportJobs` job whose `customDetails` (`ExportJobDetails`)
 * carries `blobUri`: the app's own route that streams the blob (never a storage URL or SAS).
 */
export class JobExporter {
  constructor(private readonly store: MetadataStore, private readonly container: ContainerClient) {}

  async export(vaultKey: string, jobsArmPrefix: string, query: JobQuery, now: Date, outputUrl: (jobName: string) => string): Promise<RecoveryJobDocument> {
    if (query.startTime && query.endTime && Date.parse(query.startTime) > Date.parse(query.endTime)) {
      throw new ServiceError('InvalidRequestBody', `startTime ${query.startTime} is after endTime ${query.endTime}`, { details: { target: 'startTime' } });
    }
    const jobs: RecoveryJobDocument[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.store.listJobs<RecoveryJobDocument>(vaultKey, { continuationToken, maxItemCount: 200 });
      jobs.push(...page.items.filter((j) => j.properties.scenarioName !== 'ExportJobs' && jobMatches(j, query)));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    jobs.sort((a, b) => a.properties.startTime.localeCompare(b.properties.startTime));
    const name = randomUUID();
    const value = jobs.map((j) => {
      const { cancelRequested, ...properties } = j.properties;
      void cancelRequested;
      return { id: j.armId, name: j.name, type: 'Microsoft.RecoveryServices/vaults/replicationJobs', properties };
    });
    const text = JSON.stringify({ query, exportedAt: now.toISOString(), count: value.length, value });
    await this.container.createIfNotExists();
    await this.container.getBlockBlobClient(exportBlobName(vaultKey, name)).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'application/json' }, conditions: { ifNoneMatch: '*' },
    });
    const at = now.toISOString();
    const doc = {
      id: name, vaultKey, name, armId: `${jobsArmPrefix}/${name}`, createdAt: at,
      // No recovery input: an export is not restartable and has no report.
      properties: {
        activityId: name, scenarioName: 'ExportJobs', friendlyName: 'Export jobs', state: 'Succeeded', stateDescription: 'Completed',
        tasks: [], errors: [], startTime: at, endTime: at, allowedActions: [], targetObjectId: jobsArmPrefix, targetObjectName: 'replicationJobs',
        targetInstanceType: 'ProtectionEntity',
        customDetails: { instanceType: 'ExportJobDetails', blobUri: outputUrl(name), sasToken: '', affectedObjectDetails: { count: String(value.length) } },
      },
    } as unknown as RecoveryJobDocument;
    await this.store.createJob(doc);
    return doc;
  }

  /** The export's JSON, or undefined when the job has none (or it was removed). */
  async read(vaultKey: string, jobName: string): Promise<Buffer | undefined> {
    const blob = this.container.getBlockBlobClient(exportBlobName(vaultKey, jobName));
    try {
      return await blob.downloadToBuffer();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }
}

/** The exporter over the replica storage account (`REPLICATION_STORAGE`, else `AzureWebJobsStorage`), container `job-exports`. */
export function jobExporterFromEnv(store: MetadataStore, env: NodeJS.ProcessEnv): JobExporter {
  const storage = env.REPLICATION_STORAGE || env.AzureWebJobsStorage;
  if (!storage || storage === 'UseDevelopmentStorage=true') throw new ServiceError('StorageNotConfigured', 'set REPLICATION_STORAGE or AzureWebJobsStorage to the connection string of the storage account job exports go to');
  return new JobExporter(store, BlobServiceClient.fromConnectionString(storage).getContainerClient('job-exports'));
}
