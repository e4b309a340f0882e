import { joinJobTasks, spillJobTasks, type SpillableJob } from '../../../shared/metadata/jobTaskSpill';

const job = (tasks: unknown[]): SpillableJob & { properties: { state: string; tasks: unknown[] } } => ({ id: 'j1', vaultKey: 'v', name: 'j1', armId: '/j1', createdAt: '', ttl: 60, properties: { state: 'InProgress', tasks } });
const task = (n: number, bytes: number) => ({ taskId: `t${n}`, pad: 'x'.repeat(bytes) });

describe('spillJobTasks', () => {
  it('leaves a job that fits as it is', () => {
    const doc = job([task(1, 100)]);
    expect(spillJobTasks(doc, 10_000, 1_000)).toEqual({ stored: doc, chunks: [] });
  });

  it('spills a job one byte over the limit and keeps one at the limit whole (its size is its JSON\'s, multi-byte characters included)', () => {
    const doc = job([task(1, 200), { taskId: 't2', note: 'réplica ✓' }, task(3, 50)]);
    const size = Buffer.byteLength(JSON.stringify(doc));
    expect(spillJobTasks(doc, size, 1_000).chunks).toEqual([]);
    expect(spillJobTasks(doc, size - 1, 1_000).chunks).toHaveLength(1);
    expect(spillJobTasks(job([]), Buffer.byteLength(JSON.stringify(job([]))), 1_000).chunks).toEqual([]);
  });

  it('packs consecutive tasks into chunks, a task larger than a chunk alone, and joins them back in order', () => {
    const tasks = [task(1, 300), task(2, 300), task(3, 2_500), task(4, 300), task(5, 300), task(6, 300)];
    const { stored, chunks } = spillJobTasks(job(tasks), 1_000, 1_000);
    expect(chunks.map((c) => (c.tasks as { taskId: string }[]).map((t) => t.taskId))).toEqual([['t1', 't2'], ['t3'], ['t4', 't5', 't6']]);
    expect(chunks.every((c) => c.ttl === 60 && c.jobId === 'j1' && c.vaultKey === 'v')).toBe(true);
    expect(stored.properties.tasks).toEqual([]);
    expect(stored.tasksSpill).toEqual({ chunks: chunks.map((c) => c.id), tasks: 6 });
    expect(joinJobTasks(stored, chunks)).toEqual({ ...job(tasks), tasksSpill: stored.tasksSpill });
    // Each write has chunks of its own.
    expect(spillJobTasks(job(tasks), 1_000, 1_000).chunks[0].id).not.toBe(chunks[0].id);
    expect(() => joinJobTasks(stored, chunks.slice(1))).toThrow(/names 6 tasks, its chunks hold 4/);
  });

  it('refuses to write a job as stored (its tasks in chunks) as if it had none', () => {
    const { stored } = spillJobTasks(job([task(1, 3_000)]), 1_000, 1_000);
    expect(() => spillJobTasks(stored, 1_000, 1_000)).toThrow(/read it whole first/);
  });
});
