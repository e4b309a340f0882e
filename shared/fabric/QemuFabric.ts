import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BlobServiceClient, PageBlobClient } from '@azure/storage-blob';
import { ApplicationProbe, type ProbeResult } from '../contracts/ApplicationProbe';
import { freeLoopbackPort } from '../os/freeLoopbackPort';
import { consoleTail } from './azureBootHealth';
import { FabricError } from './FabricError';
import type { RecoveredDiskRead } from './RecoveredDiskRead';
import { FabricMachine } from './FabricMachine';
import { FabricCleanupResult, FabricResource } from './FabricResource';
import { FabricTagFilter } from './FabricTags';
import { FabricDiskTarget, FilledDisk } from './FilledDisk';
import { LocalFabric } from './LocalFabric';
import { MachineCheck } from './MachineCheck';
import { MachineRef } from './MachineRef';
import { MachineSpec } from './MachineSpec';
import { MaterializedDisk } from './MaterializedDisk';
import { downloadWithDigest } from './downloadWithDigest';
import { runApplicationProbes } from './runApplicationProbes';
import { TargetCheck, TargetCheckRequest } from './TargetCheck';
import { TargetFabric } from './TargetFabric';
import { assertCleanupFilter, validateRef } from './validateFabricRequests';

const run = promisify(execFile);
const FOOTER_BYTES = 512;

export interface QemuFabricOptions {
  /** The storage account the disks and machine records live in (as the local fabric's). */
  blobs: BlobServiceClient;
  /** Where each machine's base image, overlay, console log and process record go: `{stateDir}/{rg}/{machine}/`. */
  stateDir: string;
  /** `qemu-system-x86_64` unless told. */
  binary?: string;
  /** Guest memory in MiB (default 256). */
  memoryMiB?: number;
  /** `tcg` (default: `-accel kvm` hangs at boot on the machines this was built on) or `kvm`. */
  accel?: 'tcg' | 'kvm';
  /** Guest TCP ports forwarded to free ports on 127.0.0.1 (default [80]). */
  guestPorts?: number[];
  /** The console line that says the guest is up (default `/asr-guest: ready/`, docs/guest.md). */
  readyPattern?: RegExp;
  /** How long `checkMachine` waits for the ready line (default 180 s). */
  bootDeadlineMs?: number;
  /** How long, after the ready line, the application probes may take to pass (default 30 s). */
  probeDeadlineMs?: number;
}

/** What the fabric keeps on the host about a running qemu: survives a restart of the host process. */
interface QemuProcessRecord {
  pid: number;
  /** Guest port → host port on 127.0.0.1. */
  hostPorts: Record<string, number>;
  startedAt: string;
}

/**
 * `ASR_TARGET_FABRIC=qemu`: the local fabric's disks and records (page blobs and JSON records in
 * the storage account, the same checks at start), and machines that really boot. Starting a
 * machine downloads each disk blob's data to `base-N.raw` (read-only), checking its digest on the
 * way (the bytes checked are the bytes booted), puts a qcow2
 * overlay on it (the guest writes there: the recovery point and the target disk are never
 * written), and starts `qemu-system-x86_64 -daemonize` with the serial console to a file and
 * user-mode networking (`restrict=on`: the guest reaches nothing) whose forwarded ports on
 * 127.0.0.1 stand in for the machine's IP. qemu outlives the host process: `process.json`
 * records its pid, and a restarted host finds it running (its command line names the machine's
 * directory) or records the machine stopped.
 */
export class QemuFabric implements TargetFabric {
  readonly kind = 'qemu' as const;
  private readonly local: LocalFabric;

  constructor(private readonly options: QemuFabricOptions) {
    this.local = new LocalFabric({ blobs: options.blobs });
  }

  /** The guest boots a copy of the disk (its own overlay): the blob is not what the machine wrote, so a failback would read stale data. */
  async readRecoveredDisk(): Promise<RecoveredDiskRead> {
    throw new FabricError('FailbackNotSupportedOnFabric', 'failback reads the recovered disks as page blobs: the qemu fabric\'s guests write to their own overlays, not to those blobs', {
      possibleCauses: 'The item was failed over to the qemu fabric.',
      recommendedAction: 'Copy the guest\'s disk to the primary site by hand, then disable and re-enable protection.',
    });
  }

  async releaseRecoveredDisks(): Promise<void> {}

  stagingBlob(target: FabricDiskTarget): Promise<PageBlobClient> {
    return this.local.stagingBlob(target);
  }

  adoptDisk(disk: FilledDisk): Promise<MaterializedDisk> {
    return this.local.adoptDisk(disk);
  }

  async createMachine(spec: MachineSpec): Promise<FabricMachine> {
    return this.view(await this.local.createMachine(spec));
  }

  async startMachine(ref: MachineRef): Promise<FabricMachine> {
    validateRef(ref);
    // A machine recorded running whose qemu is gone (a host restart) is recorded stopped first, so it starts again.
    await this.getMachine(ref);
    if (this.liveProcess(ref)) return this.mustGet(ref);
    const spec = await this.mustSpec(ref);
    const dir = this.dirOf(ref);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Each disk is read from storage once: downloaded to the base file qemu boots while its digest
    // is taken from the same bytes, then checked with its footer as the local fabric checks (the
    // record marked Failed on a mismatch). A check beside the download read each disk twice from
    // the one-threaded Azurite (bench/drill); and the bytes checked are the bytes booted.
    const base = (i: number) => join(dir, `base-${i}.raw`);
    try {
      await this.local.startMachine(ref, {
        readDigest: (i) => (blob, dataBytes) => downloadWithDigest(blob, base(i), spec.disks[i].sizeBytes - FOOTER_BYTES, dataBytes),
      });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    try {
      await this.launch(ref, await this.overlays(spec, base));
    } catch (e) {
      await this.local.stopMachine(ref);
      rmSync(dir, { recursive: true, force: true });
      throw e instanceof FabricError ? e : new FabricError('MachineStartFailed', `qemu did not start machine ${ref.name}: ${(e as Error).message}`, {
        cause: e,
        possibleCauses: 'qemu-system-x86_64 is missing or refused the arguments (ASR_QEMU_BINARY, ASR_QEMU_ACCEL, ASR_QEMU_MEMORY_MIB), or the host is out of memory.',
        recommendedAction: 'Run the qemu command from the message by hand, fix the setting, then restart the job.',
      });
    }
    return this.mustGet(ref);
  }

  async checkMachine(ref: MachineRef): Promise<MachineCheck> {
    validateRef(ref);
    const spec = await this.mustSpec(ref);
    const base = await this.local.checkMachine(ref);
    const proc = this.liveProcess(ref);
    const checks: MachineCheck['checks'] = [...base.checks.filter((c) => c.name !== 'powerState')];
    const probes: ProbeResult[] = [];
    checks.unshift({ name: 'qemu', ok: proc !== undefined, detail: proc ? `pid ${proc.pid}` : 'no qemu process runs this machine' });
    if (proc) {
      const deadline = Date.now() + (this.options.bootDeadlineMs ?? 180_000);
      const ready = this.options.readyPattern ?? /asr-guest: ready/;
      const consoleProbe: ApplicationProbe = { kind: 'console', name: 'serialConsole', pattern: ready.source };
      const target = {
        machine: ref.name,
        hostPorts: proc.hostPorts,
        readConsole: async () => this.readConsole(ref),
        consoleTail,
      };
      // The ready line first: probes of a guest that never booted would only repeat its tail.
      const [boot] = await runApplicationProbes(target, [consoleProbe], { deadline });
      probes.push(boot);
      checks.push({ name: 'serialConsole', ok: boot.ok, detail: boot.ok ? boot.got : `no line matching /${ready.source}/ within the deadline: ${boot.got}` });
      if (boot.ok && spec.probes?.length) {
        for (const r of await runApplicationProbes(target, spec.probes, { deadline: Date.now() + (this.options.probeDeadlineMs ?? 30_000) })) {
          probes.push(r);
          checks.push({ name: `probe ${r.probe}`, ok: r.ok, detail: r.ok ? `${r.expected}: ${r.got}` : `machine ${r.machine}, probe ${r.probe}: expected ${r.expected}, got ${r.got}` });
        }
      }
    }
    return { healthy: checks.every((c) => c.ok), powerState: proc ? 'Running' : 'Stopped', checks, probes };
  }

  async stopMachine(ref: MachineRef): Promise<FabricMachine> {
    validateRef(ref);
    await this.kill(ref);
    return this.view(await this.local.stopMachine(ref));
  }

  async getMachine(ref: MachineRef): Promise<FabricMachine | undefined> {
    validateRef(ref);
    const machine = await this.local.getMachine(ref);
    if (!machine) return undefined;
    // A host restarted while qemu ran: its process is found again, or the machine is stopped.
    if (machine.powerState === 'Running' && !this.liveProcess(ref)) return this.view(await this.local.stopMachine(ref));
    return this.view(machine);
  }

  async deleteMachine(ref: MachineRef): Promise<boolean> {
    validateRef(ref);
    const killed = await this.kill(ref);
    return (await this.local.deleteMachine(ref)) || killed;
  }

  checkTarget(request: TargetCheckRequest): Promise<TargetCheck> {
    return this.local.checkTarget(request);
  }

  listResources(filter: FabricTagFilter): Promise<FabricResource[]> {
    return this.local.listResources(filter);
  }

  async cleanup(filter: FabricTagFilter): Promise<FabricCleanupResult> {
    assertCleanupFilter(filter);
    for (const m of (await this.local.listResources(filter)).filter((r) => r.kind === 'machine')) await this.kill(m);
    return this.local.cleanup(filter);
  }

  /** The console log so far ('' before the first boot). */
  readConsole(ref: MachineRef): string {
    const path = join(this.dirOf(ref), 'console.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  /** Each verified base copy made read-only, with a qcow2 overlay on it (the guest writes there); the qemu `-drive` arguments. */
  private async overlays(spec: MachineSpec, base: (i: number) => string): Promise<string[]> {
    const drives: string[] = [];
    for (const i of spec.disks.keys()) {
      chmodSync(base(i), 0o444);
      const overlay = join(this.dirOf(spec), `overlay-${i}.qcow2`);
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base(i), overlay]);
      drives.push('-drive', `file=${overlay},if=virtio,format=qcow2`);
    }
    return drives;
  }

  private async launch(ref: MachineRef, drives: string[]): Promise<void> {
    const dir = this.dirOf(ref);
    const hostPorts: Record<string, number> = {};
    for (const p of this.options.guestPorts ?? [80]) hostPorts[String(p)] = await freeLoopbackPort();
    const forwards = Object.entries(hostPorts).map(([guest, host]) => `,hostfwd=tcp:127.0.0.1:${host}-:${guest}`).join('');
    const pidFile = join(dir, 'qemu.pid');
    const args = [
      '-name', `asr-${ref.resourceGroup}-${ref.name}`,
      '-accel', this.options.accel ?? 'tcg', '-m', String(this.options.memoryMiB ?? 256), '-smp', '1',
      '-display', 'none', '-nodefaults', '-no-user-config',
      ...drives,
      '-netdev', `user,id=n0,restrict=on${forwards}`, '-device', 'virtio-net-pci,netdev=n0',
      '-serial', `file:${join(dir, 'console.log')}`,
      '-daemonize', '-pidfile', pidFile,
    ];
    await run(this.options.binary ?? 'qemu-system-x86_64', args, { timeout: 60_000 });
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const record: QemuProcessRecord = { pid, hostPorts, startedAt: new Date().toISOString() };
    writeFileSync(join(dir, 'process.json'), JSON.stringify(record));
  }

  /** Kills the machine's qemu (TERM, then KILL) and removes its directory. True if a process was running. */
  private async kill(ref: MachineRef): Promise<boolean> {
    const proc = this.liveProcess(ref);
    if (proc) {
      process.kill(proc.pid, 'SIGTERM');
      const until = Date.now() + 5_000;
      while (this.liveProcess(ref) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (this.liveProcess(ref)) process.kill(proc.pid, 'SIGKILL');
      while (this.liveProcess(ref)) await new Promise((r) => setTimeout(r, 50));
    }
    rmSync(this.dirOf(ref), { recursive: true, force: true });
    return proc !== undefined;
  }

  /** The recorded qemu process, if it still runs this machine (a reused pid runs something else). */
  private liveProcess(ref: MachineRef): QemuProcessRecord | undefined {
    const dir = this.dirOf(ref);
    let record: QemuProcessRecord;
    try {
      record = JSON.parse(readFileSync(join(dir, 'process.json'), 'utf8')) as QemuProcessRecord;
    } catch {
      return undefined;
    }
    try {
      const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) return undefined; // exited, not yet reaped
      return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').includes(dir) ? record : undefined;
    } catch {
      return undefined;
    }
  }

  private view(machine: FabricMachine): FabricMachine {
    const proc = machine.powerState === 'Running' ? this.liveProcess(machine) : undefined;
    if (!proc) return machine;
    const forwardedPorts = Object.fromEntries(Object.entries(proc.hostPorts).map(([guest, host]) => [guest, `127.0.0.1:${host}`]));
    return { ...machine, nics: machine.nics.map((n, i) => (i === 0 ? { ...n, privateIp: '127.0.0.1' } : n)), forwardedPorts };
  }

  private async mustGet(ref: MachineRef): Promise<FabricMachine> {
    const m = await this.getMachine(ref);
    if (!m) throw new FabricError('MachineNotFound', `machine ${ref.name} does not exist in resource group ${ref.resourceGroup}`);
    return m;
  }

  private async mustSpec(ref: MachineRef): Promise<MachineSpec> {
    const spec = await this.local.getMachineSpec(ref);
    if (!spec) throw new FabricError('MachineNotFound', `machine ${ref.name} does not exist in resource group ${ref.resourceGroup}`, { recommendedAction: 'Create the machine first (the failover does), or check the name.' });
    return spec;
  }

  private dirOf(ref: MachineRef): string {
    return join(this.options.stateDir, ref.resourceGroup, ref.name);
  }
}
