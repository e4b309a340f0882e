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

/**
 * An `HttpClient` for the ARM SDKs that records every request and answers it like Resource
 * Manager would for the few resource types the Azure fabric touches: PUT stores the resource and
 * answers it `Succeeded` (a finished long-running operation), GET reads it or answers 404
 * `ResourceNotFound`, DELETE removes it (200, or 204 when absent), `start` / `deallocate` change
 * the power state the instance view reports, subscription-wide lists list. It stands in for
 * Azure only so the requests can be checked; it proves nothing about Azure's answers.
 */
export class RecordingArm implements HttpClient {
  readonly requests: ArmRequest[] = [];
  private readonly resources = new Map<string, Record<string, unknown>>();
  private readonly power = new Map<string, string>();
  /** Answer this instead, once, to the request whose `METHOD path` ends with the key (e.g. `PUT /virtualMachines/x`). */
  readonly failNext = new Map<string, { status: number; code: string; message: string }>();

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const url = new URL(request.url);
    const body = typeof request.body === 'string' && request.body.length > 0 ? JSON.parse(request.body) : undefined;
    this.requests.push({ method: request.method, path: url.pathname, apiVersion: url.searchParams.get('api-version'), authorization: request.headers.get('authorization'), body });
    const key = url.pathname.toLowerCase();
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
    if (request.method === 'GET' && key.endsWith('/instanceview')) {
      const vm = key.slice(0, -'/instanceview'.length);
      if (!this.resources.has(vm)) return this.notFound(request, vm);
      return this.answer(request, 200, { statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info' }, { code: `PowerState/${this.power.get(vm)}`, level: 'Info', displayStatus: `VM ${this.power.get(vm)}` }] });
    }
    const list = /^\/subscriptions\/[^/]+\/providers\/([^/]+\/[^/]+)$/.exec(key);
    if (request.method === 'GET' && list) {
      return this.answer(request, 200, { value: [...this.resources.entries()].filter(([k]) => k.includes(`/providers/${list[1]}/`)).map(([, v]) => v) });
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
