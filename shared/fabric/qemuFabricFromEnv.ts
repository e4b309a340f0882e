import { resolve } from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';
import { FabricError } from './FabricError';
import { QemuFabric } from './QemuFabric';

/**
 * `ASR_TARGET_FABRIC=qemu`, from its settings (docs/fabrics.md#qemu):
 * `ASR_QEMU_BINARY` (default `qemu-system-x86_64`), `ASR_QEMU_MEMORY_MIB` (256),
 * `ASR_QEMU_ACCEL` (`tcg` default, or `kvm`), `ASR_QEMU_STATE_DIR` (`{ASR_DATA_DIR or .data}/qemu`),
 * `ASR_QEMU_FORWARD_PORTS` (guest TCP ports, comma-separated, default `80`),
 * `ASR_QEMU_BOOT_DEADLINE_SECONDS` (180), `ASR_QEMU_PROBE_DEADLINE_SECONDS` (30).
 */
export function qemuFabricFromEnv(deps: { blobs: BlobServiceClient }, env: NodeJS.ProcessEnv): QemuFabric {
  const bad = (name: string, rule: string) => new FabricError('FabricNotConfigured', `${name} is "${env[name]}": ${rule}`, { recommendedAction: `Fix ${name} in the app settings (docs/fabrics.md).` });
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = env[name]?.trim();
    if (!v) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw bad(name, `a whole number from ${min} to ${max}`);
    return n;
  };
  const accel = env.ASR_QEMU_ACCEL?.trim().toLowerCase() || 'tcg';
  if (accel !== 'tcg' && accel !== 'kvm') throw bad('ASR_QEMU_ACCEL', 'tcg or kvm');
  const ports = (env.ASR_QEMU_FORWARD_PORTS ?? '80').split(',').map((p) => p.trim()).filter(Boolean).map(Number);
  if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw bad('ASR_QEMU_FORWARD_PORTS', 'guest TCP ports 1-65535, comma-separated');
  const deadline = int('ASR_QEMU_BOOT_DEADLINE_SECONDS', 5, 3600);
  const probeDeadline = int('ASR_QEMU_PROBE_DEADLINE_SECONDS', 1, 3600);
  return new QemuFabric({
    blobs: deps.blobs,
    stateDir: resolve(env.ASR_QEMU_STATE_DIR?.trim() || resolve(env.ASR_DATA_DIR?.trim() || '.data', 'qemu')),
    binary: env.ASR_QEMU_BINARY?.trim() || undefined,
    memoryMiB: int('ASR_QEMU_MEMORY_MIB', 32, 65536),
    accel,
    guestPorts: [...new Set(ports)],
    bootDeadlineMs: deadline === undefined ? undefined : deadline * 1000,
    probeDeadlineMs: probeDeadline === undefined ? undefined : probeDeadline * 1000,
  });
}
