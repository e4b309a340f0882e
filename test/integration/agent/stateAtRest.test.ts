import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { protectItem, syncItem } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';
import { AgentCloud, startAgentCloud } from './agentHarness';

const MiB = 1024 * 1024;
const merge = { pollMs: 100, timeoutMs: 60_000 };

function writeMarker(path: string, offset: number, length: number, text: string): Buffer {
  const unit = Buffer.from(text);
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i += unit.length) unit.copy(buf, i);
  const fd = openSync(path, 'r+');
  writeSync(fd, buf, 0, length, offset);
  closeSync(fd);
  return buf;
}

/** Every file and directory under `dir` with its permission bits. */
function walk(dir: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [{ path: dir, dir: true, mode: statSync(dir).mode & 0o777 }];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push({ path: p, dir: false, mode: statSync(p).mode & 0o777 });
  }
  return out;
}

describe('asr agent: what its state directory keeps at rest', () => {
  let cloud: AgentCloud;
  const dir = tempDir('agent-at-rest-');

  beforeAll(async () => {
    cloud = await startAgentCloud();
  });
  afterAll(async () => {
    await cloud.stop();
    dir.cleanup();
  });

  it.each([
    ['encrypted', true],
    ['plain', false],
  ])('%s item: directories 0700, files 0600, and no plaintext of shipped blocks once acknowledged', async (label, encrypted) => {
    const vault = `rest-${label}`;
    await cloud.createVaultAndPolicy(vault, 'p', encrypted);
    const disk = join(dir.path, `${label}.raw`);
    writeFileSync(disk, Buffer.alloc(4 * MiB));
    const seeded = writeMarker(disk, 0, 128 * 1024, 'payroll 2026: alice 9000, bob 8500; ');
    let keyFile: string | undefined;
    if (encrypted) {
      keyFile = join(dir.path, `${label}.key`);
      writeFileSync(keyFile, randomBytes(64).toString('hex'));
    }
    // A state root as a user would leave it (umask 022): the agent narrows it.
    const stateDir = join(dir.path, `state-${label}`);
    await protectItem(cloud.api, cloud.blobs, { vault, item: 'vm', diskPaths: [disk], policy: 'p', stateDir, keyFile, merge });
    const changed = writeMarker(disk, 2 * MiB, 64 * 1024, 'changed after seeding: card 4111-1111-1111-1111; ');
    await syncItem(cloud.blobs, { vault, item: 'vm', stateDir, merge });

    const entries = walk(stateDir);
    const wrongModes = entries.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${e.path} ${e.mode.toString(8)}`);
    expect(wrongModes).toEqual([]);
    const files = entries.filter((e) => !e.dir);
    expect(files.length).toBeGreaterThanOrEqual(3); // state.json, the block tables
    for (const f of files) {
      const bytes = readFileSync(f.path);
      for (const probe of [seeded.subarray(0, 256), changed.subarray(0, 256)]) {
        expect({ file: f.path, found: bytes.indexOf(probe) >= 0 }).toEqual({ file: f.path, found: false });
      }
    }
  });
});
