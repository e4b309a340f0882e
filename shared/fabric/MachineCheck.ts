import type { ProbeResult } from '../contracts/ApplicationProbe';

/** The result of `checkMachine`: what the fabric says about a machine after start. */
export interface MachineCheck {
  healthy: boolean;
  powerState: string;
  /** One line per thing checked (local: footer and digest per disk; Azure: instance view statuses). */
  checks: { name: string; ok: boolean; detail: string }[];
  /** Application probes run (fabrics that boot the machine: qemu), the boot's console line first; for the job's report. */
  probes?: ProbeResult[];
}
