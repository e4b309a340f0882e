/** A machine in the target, by resource group and name (the ARM identity of a VM). */
export interface MachineRef {
  resourceGroup: string;
  name: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** True when `name` is usable as a machine or resource group name in every fabric (and a blob path segment). */
export function isFabricName(name: string): boolean {
  return NAME.test(name) && !name.endsWith('.');
}
