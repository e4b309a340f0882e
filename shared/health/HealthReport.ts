export type ComponentStatus = 'Healthy' | 'Unhealthy';

export interface ComponentHealth {
  name: string;
  status: ComponentStatus;
  latencyMs: number;
  /** What failed, in words an operator can act on. */
  error?: string;
}

export interface HealthReport {
  status: ComponentStatus;
  checkedAt: string;
  components: ComponentHealth[];
}

/** A check passes by resolving and fails by throwing; it must not take longer than the timeout. */
export type HealthProbe = () => Promise<void>;

/**
 * Runs every probe concurrently, each bounded by `timeoutMs`, and reports each component on
 * its own so an operator sees which one is down.
 */
export async function checkHealth(probes: Record<string, HealthProbe>, timeoutMs = 5000, now = () => new Date()): Promise<HealthReport> {
  const components = await Promise.all(Object.entries(probes).map(async ([name, probe]) => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      return { name, status: 'Healthy' as const, latencyMs: Date.now() - started };
    } catch (e) {
      return { name, status: 'Unhealthy' as const, latencyMs: Date.now() - started, error: (e as Error).message || String(e) };
    } finally {
      clearTimeout(timer);
    }
  }));
  return {
    status: components.every((c) => c.status === 'Healthy') ? 'Healthy' : 'Unhealthy',
    checkedAt: now().toISOString(),
    components,
  };
}
