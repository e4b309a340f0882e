import { randomBytes } from 'node:crypto';
import { ServiceError } from '../../errors';
import type { ChangeTracker, DiskRange, TrackedChanges } from '../ChangeTracker';
import { NbdDiskImage } from './NbdDiskImage';
import { QmpClient } from './QmpClient';
import { QemuTrackingConfig, QemuTrackingConfigSchema, QemuTrackingInput } from './QemuTrackingConfig';
import { readDirtyExtents } from './readDirtyExtents';

interface BitmapInfo {
  name: string;
  recording: boolean;
  persistent?: boolean;
  busy?: boolean;
  inconsistent?: boolean;
  granularity: number;
  count: number;
}

interface QemuChanges extends TrackedChanges {
  exportId: string;
  /** Disabled bitmaps whose union is `ranges`: removed once the cycle is acknowledged. */
  pending: string[];
  /** The live marker to put in place of the current one once acknowledged (after a verifying scan). */
  remark?: { old: string; next: string };
}

/**
 * Change tracking by qemu's dirty bitmaps, over QMP (docs/agent.md, "Change tracking").
 *
 * On the disk's format node the agent keeps one *recording* persistent bitmap (`{prefix}-a…`)
 * and a non-persistent, disabled *live marker* (`{prefix}-live-{last verify, base 36 ms}`).
 * Each cycle, one QMP `transaction` adds the next recording bitmap and disables the current
 * one, atomically with respect to guest writes: every write lands in one or the other. The
 * disabled bitmaps (this one and any an unacknowledged cycle left behind) are exported through
 * qemu's NBD server; NBD block status in their `qemu:dirty-bitmap:` contexts lists their dirty
 * extents (readDirtyExtents), and the agent reads only those through the same export (live
 * data, through qemu's block layer).
 * Only when the cycle is acknowledged are the disabled bitmaps removed: a crash between the
 * rotation and the acknowledgement leaves them, and the next cycle reports their union again.
 *
 * The marker is how a restarted qemu shows: non-persistent bitmaps do not survive it. With the
 * marker gone, a bitmap flagged inconsistent (qemu died without saving), or the set of bitmaps
 * not as the agent left it, the cycle is a full scan (fingerprints of every block), started
 * after a fresh recording bitmap is in place so that writes during the scan are caught next time.
 * The persisted bitmaps are not trusted across a restart: while qemu was down anything (a
 * `qemu-img`, another VM) may have written the image unseen.
 */
export class QemuDirtyBitmapTracker implements ChangeTracker {
  readonly kind = 'qemu-dirty-bitmap';
  readonly config: QemuTrackingConfig;

  constructor(config: QemuTrackingInput, private readonly clock: () => number = Date.now) {
    const parsed = QemuTrackingConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ServiceError('InvalidChangeTracking', `change tracking: ${issue.path.join('.') || 'config'}: ${issue.message}`);
    }
    this.config = parsed.data;
  }

  private get nbdSocket(): string {
    return this.config.nbdSocket ?? `${this.config.qmpSocket}.asr-nbd`;
  }

  /** Checks that qemu answers on the socket and has the node as qcow2 (`QemuDiskNotFound`, `InvalidChangeTracking` otherwise); changes nothing. */
  async probe(): Promise<void> {
    const qmp = await QmpClient.connect(this.config.qmpSocket);
    try {
      await this.bitmaps(qmp);
    } finally {
      qmp.close();
    }
  }

  async begin(): Promise<TrackedChanges> {
    const { node, bitmapPrefix: prefix, granularity } = this.config;
    const qmp = await QmpClient.connect(this.config.qmpSocket);
    try {
      await this.dropExports(qmp);
      const ours = (await this.bitmaps(qmp)).filter((b) => b.name.startsWith(`${prefix}-`));
      const marker = ours.find((b) => b.name.startsWith(`${prefix}-live-`));
      const recording = ours.filter((b) => b !== marker && b.recording);
      const now = this.clock();
      const unique = randomBytes(4).toString('hex'); // names never repeat, whatever the clock says
      const next = `${prefix}-a${unique}`;
      const add = (name: string, persistent: boolean, disabled = false) => ({ type: 'block-dirty-bitmap-add', data: { node, name, persistent, granularity, disabled } });
      const exportId = `${prefix}-${node}-x${unique}`;
      let reason: string | undefined;
      if (!marker) reason = ours.length > 0 ? 'qemu restarted since the last cycle' : 'no dirty bitmaps of the agent in qemu: the first tracked cycle, or qemu restarted without saving them (killed)';
      else if (ours.some((b) => b.inconsistent)) reason = 'a dirty bitmap is inconsistent';
      else if (recording.length !== 1 || ours.some((b) => b.name === next)) reason = "the node's dirty bitmaps are not as the agent left them";
      if (reason) {
        // The new recording bitmap first: writes from here on are caught by the next cycle.
        await qmp.execute('transaction', { actions: [add(next, true), add(`${prefix}-live-${now.toString(36)}`, false, true)] });
        for (const b of ours) await qmp.execute('block-dirty-bitmap-remove', { node, name: b.name });
        const image = await this.exportNode(qmp, exportId, []);
        const changes: QemuChanges = { image, fullScanReason: reason, exportId, pending: [] };
        return changes;
      }
      const current = recording[0];
      await qmp.execute('transaction', { actions: [add(next, true), { type: 'block-dirty-bitmap-disable', data: { node, name: current.name } }] });
      const pending = ours.filter((b) => b !== marker && (b === current || !b.recording)).map((b) => b.name);
      const image = await this.exportNode(qmp, exportId, pending);
      try {
        const ranges = mergeRanges((await Promise.all(pending.map((name) => readDirtyExtents(this.nbdSocket, exportId, name)))).flat());
        const verifiedAt = parseInt(marker!.name.slice(`${prefix}-live-`.length), 36);
        const verify = this.config.verifyEveryHours > 0 && !(now - verifiedAt < this.config.verifyEveryHours * 3_600_000);
        const changes: QemuChanges = { image, ranges, exportId, pending, verify };
        if (verify) changes.remark = { old: marker!.name, next: `${prefix}-live-${now.toString(36)}` };
        return changes;
      } catch (err) {
        await image.close();
        throw err;
      }
    } finally {
      qmp.close();
    }
  }

  async end(changes: TrackedChanges, acknowledged: boolean): Promise<void> {
    const c = changes as QemuChanges;
    await c.image.close();
    const qmp = await QmpClient.connect(this.config.qmpSocket);
    try {
      await this.dropExports(qmp);
      if (!acknowledged) return; // the disabled bitmaps stay: the next cycle reports them again
      const { node } = this.config;
      for (const name of c.pending) await qmp.execute('block-dirty-bitmap-remove', { node, name });
      if (c.remark) {
        await qmp.execute('block-dirty-bitmap-add', { node, name: c.remark.next, persistent: false, disabled: true, granularity: this.config.granularity });
        await qmp.execute('block-dirty-bitmap-remove', { node, name: c.remark.old });
      }
    } finally {
      qmp.close();
    }
  }

  /** The node's dirty bitmaps; `QemuDiskNotFound` when qemu has no such node (a configuration mistake). */
  private async bitmaps(qmp: QmpClient): Promise<BitmapInfo[]> {
    const nodes = await qmp.execute<{ 'node-name': string; drv: string; 'dirty-bitmaps'?: BitmapInfo[] }[]>('query-named-block-nodes', { flat: true });
    const n = nodes.find((x) => x['node-name'] === this.config.node);
    if (!n) {
      throw new ServiceError('QemuDiskNotFound', `qemu at ${this.config.qmpSocket} has no block node '${this.config.node}' (it has: ${nodes.map((x) => `${x['node-name']} (${x.drv})`).join(', ')}); name the disk's qcow2 format node`);
    }
    if (n.drv !== 'qcow2') {
      throw new ServiceError('InvalidChangeTracking', `block node '${this.config.node}' is ${n.drv}: persistent dirty bitmaps need a qcow2 format node`);
    }
    return n['dirty-bitmaps'] ?? [];
  }

  /** Removes this agent's NBD exports of the node (a crashed cycle's leave their bitmaps busy) and waits until they are gone. */
  private async dropExports(qmp: QmpClient): Promise<void> {
    const mine = (e: { id: string }) => e.id.startsWith(`${this.config.bitmapPrefix}-${this.config.node}-x`);
    for (const e of (await qmp.execute<{ id: string }[]>('query-block-exports')).filter(mine)) {
      await qmp.execute('block-export-del', { id: e.id, mode: 'hard' }).catch(() => undefined);
    }
    for (let i = 0; i < 200 && (await qmp.execute<{ id: string }[]>('query-block-exports')).some(mine); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Starts qemu's NBD server on the agent's socket unless it runs, and exports the node read-only with `bitmaps`. */
  private async exportNode(qmp: QmpClient, id: string, bitmaps: string[]): Promise<NbdDiskImage> {
    try {
      await qmp.execute('nbd-server-start', { addr: { type: 'unix', data: { path: this.nbdSocket } } });
    } catch (err) {
      if (!(err instanceof ServiceError && /already running/i.test(err.message))) throw err;
    }
    await qmp.execute('block-export-add', { type: 'nbd', id, 'node-name': this.config.node, name: id, writable: false, bitmaps });
    return NbdDiskImage.open(this.nbdSocket, id);
  }
}

/** Sorted, overlapping or touching ranges joined. */
export function mergeRanges(ranges: DiskRange[]): DiskRange[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  const out: DiskRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.length) last.length = Math.max(last.length, r.offset + r.length - last.offset);
    else out.push({ ...r });
  }
  return out;
}
