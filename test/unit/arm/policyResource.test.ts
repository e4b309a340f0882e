import { ServiceError } from '../../../shared/errors';
import { parseBody, parseJson } from '../../../shared/arm/parseBody';
import { policyResource } from '../../../shared/arm/resources';
import type { BuildContext } from '../../../shared/arm';

const ctx = { name: 'p1' } as BuildContext;

function input(fields: Record<string, unknown>): unknown {
  return parseBody(policyResource.createSchema, { properties: { providerSpecificInput: { instanceType: 'HyperVReplicaAzure', ...fields } } });
}

function refusal(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected a refusal');
}

describe('replication policy bodies', () => {
  it('fills ASR defaults and renames retention to the details field', async () => {
    const { properties } = await policyResource.build(input({}), ctx);
    expect(properties).toEqual({
      friendlyName: 'p1',
      providerSpecificDetails: {
        instanceType: 'HyperVReplicaAzure', replicationInterval: 300, recoveryPointHistoryDurationInHours: 24,
        applicationConsistentSnapshotFrequencyInHours: 0, onlineReplicationStartTime: undefined, encryption: 'Disabled', activeStorageAccountId: undefined,
      },
    });
  });

  it.each([
    [{ replicationInterval: 60 }, 'properties.providerSpecificInput.replicationInterval', /30, 300 or 900/],
    [{ recoveryPointHistoryDuration: 25 }, 'properties.providerSpecificInput.recoveryPointHistoryDuration', /24/],
    [{ recoveryPointHistoryDuration: -1 }, 'properties.providerSpecificInput.recoveryPointHistoryDuration', /0/],
    [{ applicationConsistentSnapshotFrequencyInHours: 13 }, 'properties.providerSpecificInput.applicationConsistentSnapshotFrequencyInHours', /12/],
    [{ onlineReplicationStartTime: 'tonight' }, 'properties.providerSpecificInput.onlineReplicationStartTime', /ISO 8601/],
    [{ encryption: 'Maybe' }, 'properties.providerSpecificInput.encryption', /Enabled/],
    [{ instanceType: 'A2A' }, 'properties.providerSpecificInput.instanceType', /HyperVReplicaAzure/],
  ])('refuses %j naming %s', (fields, target, message) => {
    const err = refusal(() => input(fields));
    expect(err.code).toBe('InvalidRequestBody');
    expect(err.details?.target).toBe(target);
    expect(err.message.startsWith(`${target}: `)).toBe(true);
    expect(err.message).toMatch(message);
  });

  it('refuses app-consistent snapshots rarer than the retention window', async () => {
    await expect(policyResource.build(input({ recoveryPointHistoryDuration: 2, applicationConsistentSnapshotFrequencyInHours: 4 }), ctx))
      .rejects.toMatchObject({ code: 'InvalidRequestBody', message: expect.stringMatching(/must not exceed recoveryPointHistoryDuration \(2 h\)/) });
  });

  it('keeps earlier settings on PATCH and changes only what is sent', async () => {
    const { properties: first } = await policyResource.build(input({ replicationInterval: 900, recoveryPointHistoryDuration: 12, encryption: 'Enabled' }), ctx);
    const patch = parseBody(policyResource.updateSchema!, { properties: { replicationProviderSettings: { instanceType: 'HyperVReplicaAzure', replicationInterval: 30 } } });
    const { properties } = await policyResource.update!(patch, { properties: first } as never, ctx);
    expect(properties.providerSpecificDetails).toMatchObject({ replicationInterval: 30, recoveryPointHistoryDurationInHours: 12, encryption: 'Enabled' });
  });

  it('turns bad JSON into InvalidJson and an empty body into {}', () => {
    expect(refusal(() => parseJson('{')).code).toBe('InvalidJson');
    expect(parseJson('')).toEqual({});
    expect(refusal(() => parseBody(policyResource.createSchema, parseJson(''))).details?.target).toBe('properties');
  });
});
