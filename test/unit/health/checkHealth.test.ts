import { checkHealth } from '../../../shared/health/HealthReport';

describe('checkHealth', () => {
  it('is Healthy only when every component answers', async () => {
    const report = await checkHealth({ blob: async () => undefined, cosmos: async () => undefined });
    expect(report.status).toBe('Healthy');
    expect(report.components.map((c) => [c.name, c.status])).toEqual([['blob', 'Healthy'], ['cosmos', 'Healthy']]);
  });

  it('names the component that failed and why', async () => {
    const report = await checkHealth({
      blob: async () => undefined,
      cosmos: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:8081'); },
    });
    expect(report.status).toBe('Unhealthy');
    const cosmos = report.components.find((c) => c.name === 'cosmos');
    expect(cosmos).toMatchObject({ status: 'Unhealthy', error: 'connect ECONNREFUSED 127.0.0.1:8081' });
  });

  it('bounds a probe that hangs', async () => {
    const report = await checkHealth({ hang: () => new Promise<void>(() => undefined) }, 50);
    expect(report.components[0]).toMatchObject({ status: 'Unhealthy', error: 'no answer within 50 ms' });
  });
});
