import { utimesSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileStamp, takeFileStamp, unchangedSince } from '../../../shared/agent';
import { tempDir } from '../../support/tempDir';

/** A stamp as if taken `ageMs` after the file's last change (old enough to trust, or not). */
function aged(stamp: FileStamp, ageMs: number): FileStamp {
  return { ...stamp, takenNs: String(BigInt(stamp.mtimeNs) + BigInt(ageMs) * 1_000_000n) };
}

describe('file stamp gate (skip reading a disk nobody wrote)', () => {
  const dir = tempDir('agent-stamp-');
  afterAll(() => dir.cleanup());
  const path = join(dir.path, 'disk.raw');

  beforeEach(() => writeFileSync(path, Buffer.alloc(64 * 1024)));

  it('vouches for an untouched file once its stamp is older than the racy window', async () => {
    const before = aged((await takeFileStamp(path))!, 5000);
    expect(unchangedSince(before, await takeFileStamp(path))).toBe(true);
  });

  it('does not vouch when the stamp was taken right after a write (mtime may not move again)', async () => {
    const before = aged((await takeFileStamp(path))!, 1);
    expect(unchangedSince(before, await takeFileStamp(path))).toBe(false);
  });

  it('sees an in-place write that keeps the size', async () => {
    const before = aged((await takeFileStamp(path))!, 5000);
    await new Promise((r) => setTimeout(r, 20));
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([1]), 0, 1, 4096);
    closeSync(fd);
    expect(unchangedSince(before, await takeFileStamp(path))).toBe(false);
  });

  it('sees a write whose mtime was set back by hand (ctime moves)', async () => {
    const before = aged((await takeFileStamp(path))!, 5000);
    const { atime, mtime } = statSync(path);
    await new Promise((r) => setTimeout(r, 20));
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([2]), 0, 1, 0);
    closeSync(fd);
    utimesSync(path, atime, mtime);
    expect(unchangedSince(before, await takeFileStamp(path))).toBe(false);
  });

  it('never vouches without a previous stamp or for a device (no stamp)', async () => {
    expect(unchangedSince(undefined, await takeFileStamp(path))).toBe(false);
    expect(await takeFileStamp('/dev/null')).toBeUndefined();
  });
});
