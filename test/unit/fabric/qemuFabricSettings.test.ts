import { BlobServiceClient } from '@azure/storage-blob';
import { ApplicationProbeSchema, ApplicationProbesSchema, probeExpectation } from '../../../shared/contracts/ApplicationProbe';
import { QemuFabric, targetFabricFromEnv } from '../../../shared/fabric';
import { azuriteConnectionString } from '../../../shared/config/developmentStorage';

// Clients are only constructed here, never called: no request leaves the test.
const blobs = BlobServiceClient.fromConnectionString(azuriteConnectionString('127.0.0.1', { blob: 1 }));

describe('ASR_TARGET_FABRIC=qemu settings', () => {
  it('builds the qemu fabric; a bad ASR_QEMU_* setting is FabricNotConfigured naming it', () => {
    const fabric = targetFabricFromEnv({ blobs }, { ASR_TARGET_FABRIC: 'qemu', ASR_QEMU_FORWARD_PORTS: '80, 22', ASR_QEMU_MEMORY_MIB: '128' });
    expect(fabric).toBeInstanceOf(QemuFabric);
    expect(fabric.kind).toBe('qemu');
    expect(() => targetFabricFromEnv({ blobs }, { ASR_TARGET_FABRIC: 'qemu', ASR_QEMU_ACCEL: 'hvf' })).toThrow(expect.objectContaining({ code: 'FabricNotConfigured', message: expect.stringContaining('ASR_QEMU_ACCEL') }));
    expect(() => targetFabricFromEnv({ blobs }, { ASR_TARGET_FABRIC: 'qemu', ASR_QEMU_FORWARD_PORTS: '80,http' })).toThrow(/ASR_QEMU_FORWARD_PORTS/);
    expect(() => targetFabricFromEnv({ blobs }, { ASR_TARGET_FABRIC: 'qemu', ASR_QEMU_MEMORY_MIB: '1.5' })).toThrow(/ASR_QEMU_MEMORY_MIB/);
  });
});

describe('application probes: a description with no host in it', () => {
  it('accepts console, tcp and http probes with defaults, and says what each expects', () => {
    const http = ApplicationProbeSchema.parse({ kind: 'http', name: 'orders', port: 80, contains: 'paid' });
    expect(http).toEqual({ kind: 'http', name: 'orders', port: 80, path: '/', expectStatus: 200, contains: 'paid' });
    expect(probeExpectation(http)).toBe('GET :80/ answers 200 containing "paid"');
    expect(probeExpectation(ApplicationProbeSchema.parse({ kind: 'console', name: 'up', pattern: 'ready' }))).toBe('a console line matching /ready/');
  });

  it('refuses a host or URL, a port out of range, a bad pattern, repeated names, unknown fields', () => {
    expect(ApplicationProbeSchema.safeParse({ kind: 'http', name: 'x', port: 80, host: 'example.com' }).success).toBe(false);
    expect(ApplicationProbeSchema.safeParse({ kind: 'http', name: 'x', port: 80, path: 'http://example.com/' }).success).toBe(false);
    expect(ApplicationProbeSchema.safeParse({ kind: 'tcp', name: 'x', port: 70000 }).success).toBe(false);
    expect(ApplicationProbeSchema.safeParse({ kind: 'console', name: 'x', pattern: '(' }).success).toBe(false);
    expect(ApplicationProbesSchema.safeParse([{ kind: 'tcp', name: 'a', port: 1 }, { kind: 'tcp', name: 'a', port: 2 }]).success).toBe(false);
  });
});
