import { FabricTags } from './FabricTags';
import { MachineNicSpec } from './MachineSpec';

/** ARM-like power states. `Failed` = the last start failed (see `lastError`). */
export type MachinePowerState = 'Stopped' | 'Running' | 'Failed';

/** A machine in the target fabric as the fabric reports it. JSON-safe. */
export interface FabricMachine {
  /** ARM id (Azure) or `local:/resourceGroups/{rg}/virtualMachines/{name}`. */
  id: string;
  resourceGroup: string;
  name: string;
  size: string;
  powerState: MachinePowerState;
  /** NICs with the IP actually assigned. */
  nics: (MachineNicSpec & { privateIp?: string })[];
  /** Target disk names, OS disk first. */
  disks: string[];
  testNetwork: boolean;
  tags: FabricTags;
  createdAt: string;
  /**
   * When the machine first started. From then on its workload writes its disks, so a later start
   * (after a stop: a failback cancelled) checks only each disk's VHD footer, not the recovery point's digest.
   */
  firstStartedAt?: string;
  /**
   * qemu fabric: where each forwarded guest TCP port answers on the host (`{"80": "127.0.0.1:40123"}`),
   * standing in for the machine's IP; present while it runs.
   */
  forwardedPorts?: Record<string, string>;
  /** Why the last start failed (code and message), when `powerState` is `Failed`. */
  lastError?: { code: string; message: string };
}
