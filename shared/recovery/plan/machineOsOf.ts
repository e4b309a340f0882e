/**
 * The guest OS and generation of a protected item, as stored on it: ASR's `oSDetails.osType`
 * (`Windows` / `Linux`, from the enable-protection input's `osType`) and our extension
 * `generation` (`1` / `2`, as ASR's Hyper-V protectable item reports it). Absent = Windows,
 * Generation 1: ASR's defaults for Hyper-V to Azure.
 */
export interface ItemOsDetails {
  oSDetails?: { osType?: string };
  generation?: string;
}

/** The stored fields of an enable-protection input (only those it states). */
export function itemOsDetailsOf(input: { osType?: string; generation?: string }): ItemOsDetails {
  const os = input.osType?.toLowerCase();
  return {
    ...(os ? { oSDetails: { osType: os === 'linux' ? 'Linux' : 'Windows' } } : {}),
    ...(input.generation ? { generation: input.generation } : {}),
  };
}

/** What the fabric needs: `osType` for the OS disk, `hyperVGeneration` for the disks and the VM size. */
export function machineOsOf(details: ItemOsDetails): { osType: 'Windows' | 'Linux'; hyperVGeneration: 'V1' | 'V2' } {
  return {
    osType: details.oSDetails?.osType?.toLowerCase() === 'linux' ? 'Linux' : 'Windows',
    hyperVGeneration: details.generation === '2' ? 'V2' : 'V1',
  };
}
