import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerAgentCommands } from '../../../cli/commands/agent';
import { runAsrInProcess } from '../../support/runAsrInProcess';
import { tempDir } from '../../support/tempDir';
import { waitFor } from '../devhost/triggerRecords';
import { AgentCloud, qemuIo, startAgentCloud, pointCliAt } from './agentHarness';

const MiB = 1024 * 1024;

/** Every stdout line parsed as JSON (a line that is not JSON fails the test). */
const jsonLines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

describe('asr agent protect|sync|run --json (real agent against the API and Azurite)', () => {
  let cloud: AgentCloud;
  const dir = tempDir('agent-json-');
  let restoreEnv: () => void;

  beforeAll(async () => {
    cloud = await startAgentCloud();
    restoreEnv = pointCliAt(cloud);
  });
  afterAll(async () => {
    restoreEnv();
    await cloud.stop();
    dir.cleanup();
  });

  it('prints one JSON object per line with an event, for protect, sync and run', async () => {
    await cloud.createVaultAndPolicy('vj', 'p30', false);
    const disk = join(dir.path, 'app01.raw');
    writeFileSync(disk, Buffer.alloc(4 * MiB));
    qemuIo(disk, 'raw', 'write -P 0x11 0 2M');
    const stateDir = join(dir.path, 'state');
    const asr = (...args: string[]) => runAsrInProcess([registerAgentCommands], args);

    const protect = await asr('agent', 'protect', 'vj', 'app01', '--disk', disk, '--policy', 'p30', '--state-dir', stateDir, '--seed-log-mib', '1', '--json');
    expect(protect.err).toBe('');
    const protectLines = jsonLines(protect.out);
    expect(protectLines.slice(0, -1).every((l) => l.event === 'seedCheckpoint' && typeof l.bytesUploaded === 'number')).toBe(true);
    expect(protectLines.at(-1)).toEqual({
      event: 'protected', vault: 'vj', item: 'app01', resumed: false, merged: true, disks: [{ diskId: 'disk0', path: disk }],
      bytesUploaded: expect.any(Number), seconds: expect.any(Number), encrypted: false,
    });

    qemuIo(disk, 'raw', 'write -P 0x22 3M 64k');
    const sync = await asr('agent', 'sync', 'vj', 'app01', '--state-dir', stateDir, '--json');
    expect(sync.err).toBe('');
    expect(jsonLines(sync.out)).toEqual([{
      event: 'cycle', vault: 'vj', item: 'app01', cutTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), bytesUploaded: expect.any(Number), merged: true,
      disks: [{ diskId: 'disk0', sequence: expect.any(Number), changedBlocks: expect.any(Number), records: expect.any(Number), payloadBytes: 65536, bytesRead: expect.any(Number), skippedByStamp: false }],
    }]);

    // `run` stops on SIGINT; call the handler it installed once its first cycle line is out.
    const program = new Command().exitOverride();
    registerAgentCommands(program);
    const before = new Set(process.listeners('SIGINT'));
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    try {
      const running = program.parseAsync(['node', 'asr', 'agent', 'run', 'vj', 'app01', '--state-dir', stateDir, '--interval', '1', '--json']);
      await waitFor('the first cycle line of agent run', async () => out.includes('"event":"cycle"'));
      const installed = process.listeners('SIGINT').filter((l) => !before.has(l));
      expect(installed).toHaveLength(1);
      (installed[0] as () => void)();
      await running;
    } finally {
      spy.mockRestore();
    }
    const runLines = jsonLines(out);
    expect(runLines[0]).toMatchObject({ event: 'cycle', vault: 'vj', item: 'app01', disks: [expect.objectContaining({ diskId: 'disk0' })] });
    expect(runLines[0]).toHaveProperty('lagSeconds');
    expect(runLines.at(-1)).toEqual({ event: 'stopped', vault: 'vj', item: 'app01', cycles: expect.any(Number) });
  });
});
