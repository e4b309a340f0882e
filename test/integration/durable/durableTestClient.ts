/** Small helpers over the public Durable HTTP API for the integration suites. */
export interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: any;
  customStatus: any;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Array<Record<string, any>>;
}

export function durableApi(baseUrl: string) {
  const api = `${baseUrl}/runtime/webhooks/durabletask`;
  return {
    api,
    async start(name: string, input?: unknown, instanceId?: string): Promise<string> {
      const res = await fetch(`${api}/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`, {
        method: 'POST', body: input === undefined ? '' : JSON.stringify(input), headers: { 'content-type': 'application/json' },
      });
      if (res.status !== 202) throw new Error(`start ${name}: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    async status(id: string, query = ''): Promise<{ http: number; body: Status }> {
      const res = await fetch(`${api}/instances/${id}${query ? `?${query}` : ''}`);
      return { http: res.status, body: (await res.json()) as Status };
    },
    async post(id: string, verb: string, body?: unknown): Promise<number> {
      const res = await fetch(`${api}/instances/${id}/${verb}`, { method: 'POST', body: body === undefined ? '' : JSON.stringify(body) });
      await res.arrayBuffer();
      return res.status;
    },
    /** Polls until the instance reaches one of `statuses` (default: any final one). */
    async waitFor(id: string, statuses = ['Completed', 'Failed', 'Terminated'], timeoutMs = 30000): Promise<Status> {
      const until = Date.now() + timeoutMs;
      let last: Status | undefined;
      while (Date.now() < until) {
        const res = await fetch(`${api}/instances/${id}`);
        if (res.status !== 404) {
          last = (await res.json()) as Status;
          if (statuses.includes(last.runtimeStatus)) return last;
        } else await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`instance ${id} did not reach ${statuses.join('/')} in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    },
  };
}
