import type { ApplicationProbe } from '../contracts/ApplicationProbe';
import { FabricTags } from './FabricTags';
import { MachineRef } from './MachineRef';
import { MaterializedDisk } from './MaterializedDisk';

/** One network interface of a recovered machine. */
export interface MachineNicSpec {
  /** Target virtual network: an ARM id (`/subscriptions/…/virtualNetworks/{vnet}`) or, locally, a name. */
  network: string;
  subnet: string;
  /** Static private IP; omitted = dynamic. */
  staticIp?: string;
}

/** What `createMachine` makes. Creating the same spec twice is a no-op; a different spec under the same name is a conflict. */
export interface MachineSpec extends MachineRef {
  /** Target size, e.g. `Standard_D2s_v3`. */
  size: string;
  /** Azure region (Azure fabric); ignored locally. */
  location?: string;
  /** The guest OS, from the item (ASR's `osType`); default `Windows`, as ASR's. Azure needs it to attach an OS disk. */
  osType?: 'Windows' | 'Linux';
  /** `V2` = a Generation 2 (UEFI) source; its disks are imported as `V2` and the size must offer Gen 2. Default `V1`. */
  hyperVGeneration?: 'V1' | 'V2';
  /** Disks from `materializeDisk`; the first is the OS disk, the rest data disks (LUN = index - 1). */
  disks: MaterializedDisk[];
  /** At least one; the first is primary. */
  nics: MachineNicSpec[];
  /** True for a test failover: the network is the isolated test network. */
  testNetwork: boolean;
  tags: FabricTags;
  /** Application probes `checkMachine` runs (fabrics that boot machines: qemu); the others ignore them. */
  probes?: ApplicationProbe[];
}
