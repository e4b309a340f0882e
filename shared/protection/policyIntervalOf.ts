import { resourceDocumentId, vaultRelativeSegments, type MetadataStore, type PolicyProperties } from '../metadata';

/**
 * The replication interval (seconds) of the policy `policyId`, as the RPO thresholds need it;
 * undefined when the policy is gone (the RPO is then not judged).
 */
export async function policyIntervalOf(store: MetadataStore, vaultKey: string, policyId: string): Promise<number | undefined> {
  const segments = vaultRelativeSegments(policyId);
  if (!segments) return undefined;
  const policy = await store.getResource<PolicyProperties>(vaultKey, resourceDocumentId(segments));
  return policy?.properties.providerSpecificDetails.replicationInterval;
}
