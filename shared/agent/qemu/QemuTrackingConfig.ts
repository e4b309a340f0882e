import { z } from 'zod';

/**
 * Change tracking of one disk of a qemu/KVM guest by qemu's dirty bitmaps (docs/agent.md,
 * "Change tracking"). Validated at the edge: a node name is what qemu accepts (letters, digits,
 * `-_.`, starting with a letter, at most 31 characters); the socket must be an absolute path.
 */
export const QemuTrackingConfigSchema = z.object({
  kind: z.literal('qemu-dirty-bitmap'),
  /** The VM's QMP unix socket (`-qmp unix:PATH,server=on,wait=off`, or libvirt's monitor socket). */
  qmpSocket: z.string().startsWith('/', 'qmpSocket must be an absolute path').max(107, 'a unix socket path has at most 107 bytes'),
  /** The format node (qcow2) of the disk: `-blockdev …,node-name=NAME`, as `query-named-block-nodes` lists it. */
  node: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,30}$/, 'node must be a qemu node name: a letter, then letters, digits, -, _ or ., at most 31'),
  /** Where qemu's NBD server listens (started by the agent when not running): default `{qmpSocket}.asr-nbd`. */
  nbdSocket: z.string().startsWith('/').max(107).optional(),
  /** Bitmap granularity in bytes: a power of two from 4096 (the agent's block) to 64 MiB. */
  granularity: z.number().int().min(4096).max(64 * 1024 * 1024).refine((g) => (g & (g - 1)) === 0, 'granularity must be a power of two').default(4096),
  /** Prefix of the agent's bitmap and export names on the node. */
  bitmapPrefix: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/).default('asr'),
  /** Hours between verifying full scans (0: never); the first cycle after qemu (re)started is always a full scan. */
  verifyEveryHours: z.number().min(0).default(24),
});
export type QemuTrackingConfig = z.infer<typeof QemuTrackingConfigSchema>;
export type QemuTrackingInput = z.input<typeof QemuTrackingConfigSchema>;
