import { spawn } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentStateStore } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';

describe('AgentStateStore lock', () => {
  const dir = tempDir('agent-lock-');
  afterAll(() => dir.cleanup());

  it('refuses while another live process holds the item, takes over from a dead one, and releases', async () => {
    const store = new AgentStateStore(dir.path, 'v', 'vm');
    mkdirSync(store.dir, { recursive: true });
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(join(store.dir, 'lock'), String(other.pid));
      await expect(store.lock()).rejects.toMatchObject({ code: 'AgentBusy', message: expect.stringContaining(`pid ${other.pid}`) });
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    // The holder is gone: its lock is stale.
    const release = await store.lock();
    expect(existsSync(join(store.dir, 'lock'))).toBe(true);
    await release();
    expect(existsSync(join(store.dir, 'lock'))).toBe(false);
  });
});
