import { stat } from 'node:fs/promises';
import { FileStamp } from './AgentState';

/**
 * A write that lands within this long after a stamp was taken may leave mtime unchanged
 * (the kernel's file timestamps tick coarsely, a few ms), so a stamp whose mtime is this close
 * to when it was taken cannot vouch for "nothing changed" (git's "racy" index entries, same idea).
 */
const RACY_NS = 2_000_000_000n;

/** The source file's identity and change stamps, now. `undefined` for block devices (their mtime does not follow writes). */
export async function takeFileStamp(path: string): Promise<FileStamp | undefined> {
  const takenNs = BigInt(Date.now()) * 1_000_000n;
  const s = await stat(path, { bigint: true });
  if (!s.isFile()) return undefined;
  return {
    dev: String(s.dev), ino: String(s.ino), size: String(s.size),
    mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs), takenNs: String(takenNs),
  };
}

/**
 * True when the file certainly has not been written since `before` was taken: same inode,
 * size, mtime and ctime (ctime catches an mtime set back by hand), and `before` was not racy.
 * Writes through the file system always move mtime; a writer through a shared mmap moves it
 * only at writeback, which is why this gate is for image files, not mapped ones (see docs/agent.md).
 */
export function unchangedSince(before: FileStamp | undefined, now: FileStamp | undefined): boolean {
  if (!before || !now) return false;
  if (before.dev !== now.dev || before.ino !== now.ino || before.size !== now.size) return false;
  if (before.mtimeNs !== now.mtimeNs || before.ctimeNs !== now.ctimeNs) return false;
  const racy = BigInt(before.takenNs) - BigInt(before.mtimeNs) < RACY_NS || BigInt(before.takenNs) - BigInt(before.ctimeNs) < RACY_NS;
  return !racy;
}
