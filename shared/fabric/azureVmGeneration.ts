import { FabricError } from './FabricError';
import type { MachineSpec } from './MachineSpec';

/**
 * Size families that run Generation 1 VMs only (Azure docs, "Support for generation 2 VMs"):
 * A-series v1/v2 and Basic A, D v1 (D1-D14 without `s`), NC v1, NV v1, H without RDMA letters.
 * Other sizes are left to ARM, whose refusal reaches the job as ArmRequestFailed.
 */
const GEN1_ONLY = [/^Basic_A\d+$/i, /^Standard_A\d+(_v2|m_v2)?$/i, /^Standard_D\d+$/i, /^Standard_NC\d+r?$/i, /^Standard_NV\d+$/i, /^Standard_H\d+m?$/i];

/** A Gen 2 (UEFI) source needs a size that offers Gen 2: refuse before anything is created. */
export function assertSizeSupportsGeneration(spec: Pick<MachineSpec, 'name' | 'size' | 'hyperVGeneration'>): void {
  if (spec.hyperVGeneration !== 'V2' || !GEN1_ONLY.some((re) => re.test(spec.size))) return;
  throw new FabricError('SizeGenerationUnsupported', `machine ${spec.name} is Generation 2 (UEFI) but size ${spec.size} runs Generation 1 VMs only`, {
    possibleCauses: 'The item\'s target size is an older family (A, D v1, NC v1, NV v1, H) that cannot boot UEFI.',
    recommendedAction: 'Set the item\'s recoveryAzureVMSize to a size that supports Generation 2 (e.g. Standard_D2s_v3, Standard_D2s_v5), then fail over again.',
  });
}
