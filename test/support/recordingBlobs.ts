import { BlobServiceClient, newPipeline, type RequestPolicy, type RequestPolicyFactory, type WebResource } from '@azure/storage-blob';

/** One request a blob client sent: method, container, whether it named a blob, and its `comp` / lease action. */
export interface RecordedRequest {
  method: string;
  container: string;
  blob: boolean;
  /** `comp` and `restype` query values, `copy` for a copy, the lease action: `list`, `metadata`, `page`, `lease:acquire`… */
  kind: string;
}

/**
 * A blob service client on the same account whose every request is recorded as it enters the
 * SDK's pipeline (once per call: a retry happens further in): to show how many storage calls a
 * piece of work costs, the unit that Azure bills and that bounded the merge rate (issue 17).
 */
export function recordingBlobs(connectionString: string): { blobs: BlobServiceClient; requests: RecordedRequest[]; count(filter: Partial<RecordedRequest>): number } {
  const plain = BlobServiceClient.fromConnectionString(connectionString);
  const pipeline = newPipeline(plain.credential);
  const requests: RecordedRequest[] = [];
  const recorder: RequestPolicyFactory = {
    create: (next: RequestPolicy): RequestPolicy => ({
      sendRequest: (request: WebResource) => {
        requests.push(recordOf(request));
        return next.sendRequest(request);
      },
    }),
  };
  pipeline.factories.unshift(recorder);
  const blobs = new BlobServiceClient(plain.url, pipeline);
  const count = (f: Partial<RecordedRequest>) => requests.filter((r) => Object.entries(f).every(([k, v]) => r[k as keyof RecordedRequest] === v)).length;
  return { blobs, requests, count };
}

function recordOf(request: WebResource): RecordedRequest {
  const url = new URL(request.url);
  const [, , container = '', ...rest] = url.pathname.split('/');
  const headers = request.headers;
  const kind = [
    url.searchParams.get('restype'), url.searchParams.get('comp'),
    headers.get('x-ms-copy-source') ? 'copy' : undefined,
    headers.get('x-ms-lease-action') ? `lease:${headers.get('x-ms-lease-action')}` : undefined,
  ].filter(Boolean).join(',');
  return { method: request.method, container, blob: rest.length > 0, kind };
}

