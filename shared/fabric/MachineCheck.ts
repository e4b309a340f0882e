/** The result of `checkMachine`: what the fabric says about a machine after start. */
export interface MachineCheck {
  healthy: boolean;
  powerState: string;
  /** One line per thing checked (local: footer and digest per disk; Azure: instance view statuses). */
  checks: { name: string; ok: boolean; detail: string }[];
}
