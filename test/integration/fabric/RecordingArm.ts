import { createHttpHeaders, HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';

/** One ARM request as the SDK sent it. */
export interface ArmRequest {
  method: string;
  /** Path without query, as sent (case kept). */
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
  body: unknown;
}

/** How the next matching write runs as a long-running operation (see {@link RecordingArm.asyncNext}). */
export interface AsyncAnswer {
  /** `Azure-AsyncOperation` (status resource) or `Location` (202 until done, then the result). */
  header: 'Azure-AsyncOperation' | 'Location';
  /** Polls answered InProgress before the outcome. */
  polls: number;
  /** The operation ends Failed with this ARM error. */
  fail?: { code: string; message: string };
}

/**
 * An `HttpClient` for the ARM SDKs that records every request and answers it like Resource
 * Manager would for the few resource types the Azure fabric touches: PUT stores the resource and
 * answers it `Succeeded` (a finished long-running operation), GET reads it or answers 404
 * `ResourceNotFound`, DELETE removes it (200, or 204 when absent), `start` / `deallocate` change
 * the power state the instance view reports, lists per resource group list (subscription-wide
 * lists answer 403: the app's roles are on resource groups only). On request it answers a write
 * 201/202 with `Azure-AsyncOperation` or `Location` and serves the polls ({@link asyncNext}),
 * throttles with 429 + Retry-After ({@link throttleNext}), keeps a guest silent (no VM agent)
 * with a serial log ({@link silentGuests}), and answers resource groups, subnets and the
 * caller's permissions ({@link seed}, {@link permissions}). It stands in for Azure only so the
 * requests can be checked; it proves nothing about Azure's answers.
 */
export class RecordingArm implements HttpClient {
  readonly requests: ArmRequest[] = [];
  private readonly resources = new Map<string, Record<string, unknown>>();
  private readonly power = new Map<string, string>();
  /** Answer this instead, once, to the request whose `METHOD path` ends with the key (e.g. `PUT /virtualMachines/x`). */
  readonly failNext = new Map<string, { status: number; code: string; message: string }>();
  /** Answer the request whose `METHOD path` ends with the key as a long-running operation, once. */
  readonly asyncNext = new Map<string, AsyncAnswer>();
  /** Answer 429 with this Retry-After (seconds), once, to the request whose `METHOD path` ends with the key. */
  readonly throttleNext = new Map<string, number>();
  /** VM paths (lower case) whose guest never boots: no VM agent status; the value is its serial log. */
  readonly silentGuests = new Map<string, string>();
  /** The caller's permissions (ARM `Microsoft.Authorization/permissions`) per resource group path (lower case); absent = all. */
  readonly permissions = new Map<string, { actions: string[]; notActions: string[] }[]>();
  /** URLs of serial logs handed out by retrieveBootDiagnosticsData, with their contents. */
  readonly serialLogs = new Map<string, string>();
  /**
   * What a managed disk snapshot reads as: called on a snapshot PUT with its source disk's ARM id;
   * answers the SAS URL that grantAccess (`beginGetAccess`) hands out for that snapshot (tests: an
   * Azurite blob snapshot of the page blob that holds "the managed disk's contents").
   */
  snapshotReads?: (sourceDiskId: string) => Promise<string>;
  /** Snapshot paths (lower case) with read access granted now. */
  readonly granted = new Set<string>();
  private readonly snapshotSas = new Map<string, string>();
  private readonly operations = new Map<string, { answer: AsyncAnswer; polled: number; result: () => PipelineResponse; request: PipelineRequest }>();

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const url = new URL(request.url);
    const body = typeof request.body === 'string' && request.body.length > 0 ? JSON.parse(request.body) as { properties?: Record<string, unknown> } : undefined;
    this.requests.push({ method: request.method, path: url.pathname, apiVersion: url.searchParams.get('api-version'), authorization: request.headers.get('authorization'), body });
    const key = url.pathname.toLowerCase();
    const op = /\/operations\/(op-\d+)$/.exec(key);
    if (request.method === 'GET' && op && this.operations.has(op[1])) return this.poll(request, op[1]);
    for (const [suffix, retryAfter] of this.throttleNext) {
      if (this.matches(request, key, suffix)) {
        this.throttleNext.delete(suffix);
        const r = this.answer(request, 429, { error: { code: 'TooManyRequests', message: 'The request is being throttled.' } });
        r.headers.set('retry-after', String(retryAfter));
        return r;
      }
    }
    for (const [suffix, answer] of this.asyncNext) {
      if (this.matches(request, key, suffix)) {
        this.asyncNext.delete(suffix);
        return this.startOperation(request, url, key, body, answer);
      }
    }
    if (request.method === 'PUT' && key.includes('/providers/microsoft.compute/snapshots/') && this.snapshotReads) {
      const source = (body?.properties?.creationData as { sourceResourceId?: string } | undefined)?.sourceResourceId ?? '';
      if (!this.resources.has(source.toLowerCase())) return this.notFound(request, source.toLowerCase());
      this.snapshotSas.set(key, await this.snapshotReads(source));
    }
    return this.respond(request, url, key, body);
  }

  private matches(request: PipelineRequest, key: string, suffix: string): boolean {
    const [method, path] = suffix.split(' ');
    return request.method === method && key.endsWith(path.toLowerCase());
  }

  /** Puts a resource in place as if made earlier (e.g. a stale disk, a subnet, a resource group). */
  seed(path: string, resource: Record<string, unknown>): void {
    this.resources.set(path.toLowerCase(), { id: path, name: path.split('/').pop(), ...resource });
  }

  private startOperation(request: PipelineRequest, url: URL, key: string, body: { properties?: Record<string, unknown> } | undefined, answer: AsyncAnswer): PipelineResponse {
    const id = `op-${this.operations.size + 1}`;
    // The work happens when the operation ends: until then the resource is as it was.
    let done: PipelineResponse | undefined;
    this.operations.set(id, { answer, polled: 0, request, result: () => (done ??= this.respond(request, url, key, body)) });
    const opUrl = `https://management.azure.com${url.pathname.split('/providers/')[0]}/providers/Microsoft.Compute/locations/westeurope/operations/${id}?api-version=${url.searchParams.get('api-version')}`;
    const r = this.answer(request, request.method === 'PUT' ? 201 : 202, request.method === 'PUT' ? { ...body, id: url.pathname, properties: { ...(body?.properties ?? {}), provisioningState: 'Creating' } } : undefined);
    r.headers.set(answer.header.toLowerCase(), opUrl);
    return r;
  }

  private poll(request: PipelineRequest, id: string): PipelineResponse {
    const op = this.operations.get(id)!;
    if (op.polled++ < op.answer.polls) {
      return op.answer.header === 'Location' ? this.answer(request, 202, undefined) : this.answer(request, 200, { name: id, status: 'InProgress' });
    }
    if (op.answer.fail) {
      return op.answer.header === 'Location'
        ? this.answer(request, 400, { error: op.answer.fail })
        : this.answer(request, 200, { name: id, status: 'Failed', error: op.answer.fail });
    }
    const result = op.result(); // the work is done now: a final GET finds the resource
    return op.answer.header === 'Location' ? { ...result, request } : this.answer(request, 200, { name: id, status: 'Succeeded' });
  }

  private respond(request: PipelineRequest, url: URL, key: string, body: { properties?: Record<string, unknown> } | undefined): PipelineResponse {
    for (const [suffix, failure] of this.failNext) {
      const [method, path] = suffix.split(' ');
      if (request.method === method && key.endsWith(path.toLowerCase())) {
        this.failNext.delete(suffix);
        return this.answer(request, failure.status, { error: { code: failure.code, message: failure.message } });
      }
    }
    const action = /\/(start|deallocate|poweroff)$/.exec(key);
    if (request.method === 'POST' && action) {
      const vm = key.slice(0, -action[0].length);
      if (!this.resources.has(vm)) return this.notFound(request, vm);
      this.power.set(vm, action[1] === 'start' ? 'running' : 'deallocated');
      return this.answer(request, 200, undefined);
    }
    const access = /\/(begingetaccess|endgetaccess)$/.exec(key);
    if (request.method === 'POST' && access && key.includes('/snapshots/')) {
      const snapshot = key.slice(0, -access[0].length);
      if (!this.resources.has(snapshot)) return this.notFound(request, snapshot);
      if (access[1] === 'endgetaccess') {
        this.granted.delete(snapshot);
        return this.answer(request, 200, undefined);
      }
      this.granted.add(snapshot);
      return this.answer(request, 200, { accessSAS: this.snapshotSas.get(snapshot) ?? '' });
    }
    if (request.method === 'GET' && key.endsWith('/instanceview')) {
      const vm = key.slice(0, -'/instanceview'.length);
      if (!this.resources.has(vm)) return this.notFound(request, vm);
      const running = this.power.get(vm) === 'running';
      const vmAgent = running && !this.silentGuests.has(vm)
        ? { vmAgentVersion: '2.7.41491.1102', statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'Guest Agent is running' }] }
        : undefined;
      return this.answer(request, 200, { ...(vmAgent ? { vmAgent } : {}), statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info' }, { code: `PowerState/${this.power.get(vm)}`, level: 'Info', displayStatus: `VM ${this.power.get(vm)}` }] });
    }
    if (request.method === 'POST' && key.endsWith('/retrievebootdiagnosticsdata')) {
      const vm = key.slice(0, -'/retrievebootdiagnosticsdata'.length);
      if (!this.resources.has(vm)) return this.notFound(request, vm);
      const serial = `https://bootdiag.blob.core.windows.net/${vm.split('/').pop()}/serialconsole.log?sig=recorded-${this.requests.length}`;
      this.serialLogs.set(serial, this.silentGuests.get(vm) ?? '');
      return this.answer(request, 200, { consoleScreenshotBlobUri: serial.replace('serialconsole.log', 'screenshot.bmp'), serialConsoleLogBlobUri: serial });
    }
    if (request.method === 'GET' && /^\/subscriptions\/[^/]+\/providers\/[^/]+\/[^/]+$/.test(key)) {
      return this.answer(request, 403, { error: { code: 'AuthorizationFailed', message: `The client does not have authorization to perform action 'read' over scope '${key}'.` } });
    }
    const permissions = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)\/providers\/microsoft\.authorization\/permissions$/.exec(key);
    if (request.method === 'GET' && permissions) {
      return this.answer(request, 200, { value: this.permissions.get(permissions[1]) ?? [{ actions: ['*'], notActions: [] }] });
    }
    const list = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)\/providers\/([^/]+\/[^/]+)$/.exec(key);
    if (request.method === 'GET' && list) {
      return this.answer(request, 200, { value: [...this.resources.entries()].filter(([k]) => k.startsWith(`${list[1]}/providers/${list[2]}/`)).map(([, v]) => v) });
    }
    if (request.method === 'PUT') {
      const props = { ...(body?.properties ?? {}), provisioningState: 'Succeeded' } as Record<string, unknown>;
      if (key.includes('/networkinterfaces/')) {
        props.ipConfigurations = (props.ipConfigurations as { properties: Record<string, unknown> }[]).map((c) => ({ ...c, properties: { ...c.properties, privateIPAddress: c.properties.privateIPAddress ?? '10.9.0.99' } }));
      }
      if (key.includes('/virtualmachines/')) {
        props.timeCreated = '2026-11-22T02:00:00Z';
        this.power.set(key, 'running'); // ARM starts a VM it creates
      }
      const stored = { ...body, id: url.pathname, name: url.pathname.split('/').pop(), properties: props };
      this.resources.set(key, stored);
      return this.answer(request, 200, stored);
    }
    if (request.method === 'GET') {
      const r = this.resources.get(key);
      return r ? this.answer(request, 200, r) : this.notFound(request, key);
    }
    if (request.method === 'DELETE') {
      const existed = this.resources.delete(key);
      return this.answer(request, existed ? 200 : 204, undefined);
    }
    return this.answer(request, 405, { error: { code: 'MethodNotAllowed', message: `${request.method} ${key}` } });
  }

  /** Requests other than reads, as `METHOD path?api-version`: what changed Azure. */
  writes(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}?api-version=${r.apiVersion}`);
  }

  has(path: string): boolean {
    return this.resources.has(path.toLowerCase());
  }

  private notFound(request: PipelineRequest, key: string): PipelineResponse {
    return this.answer(request, 404, { error: { code: 'ResourceNotFound', message: `The Resource '${key}' was not found.` } });
  }

  private answer(request: PipelineRequest, status: number, body: unknown): PipelineResponse {
    const headers = createHttpHeaders({ 'content-type': 'application/json', 'x-ms-request-id': `req-${this.requests.length}` });
    return { request, status, headers, bodyAsText: body === undefined ? '' : JSON.stringify(body) };
  }
}
