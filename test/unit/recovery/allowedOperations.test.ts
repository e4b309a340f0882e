import { allowedOperationsAfter, INITIAL_OPERATIONS } from '../../../shared/recovery/plan/allowedOperations';

describe('allowedOperationsAfter', () => {
  it('follows ASR: test failover -> cleanup -> initial; failover -> commit or cancel; nothing else while one runs', () => {
    expect(allowedOperationsAfter('TestFailover', 'Started')).toEqual(['TestFailoverCleanup']);
    expect(allowedOperationsAfter('TestFailover', 'Failed')).toEqual(['TestFailoverCleanup']);
    expect(allowedOperationsAfter('TestFailoverCleanup', 'Started')).toEqual([]);
    expect(allowedOperationsAfter('TestFailoverCleanup', 'Succeeded')).toEqual(INITIAL_OPERATIONS);
    expect(allowedOperationsAfter('PlannedFailover', 'Started')).toEqual([]);
    expect(allowedOperationsAfter('UnplannedFailover', 'Succeeded')).toEqual(['FailoverCommit', 'CancelFailover']);
    expect(allowedOperationsAfter('UnplannedFailover', 'Failed')).toContain('CancelFailover');
    // A cancelled failover job rolled itself back: the item is a protected item again.
    expect(allowedOperationsAfter('PlannedFailover', 'Cancelled')).toEqual(INITIAL_OPERATIONS);
    expect(allowedOperationsAfter('UnplannedFailover', 'Cancelled')).toEqual(INITIAL_OPERATIONS);
    expect(allowedOperationsAfter('CancelFailover', 'Succeeded')).toEqual(INITIAL_OPERATIONS);
    // The way home (issue 13): a committed failover may fail back; a failback is committed or cancelled; then reprotect.
    expect(allowedOperationsAfter('FailoverCommit', 'Succeeded')).toEqual(['PlannedFailover', 'ReverseReplicate']);
    expect(allowedOperationsAfter('Failback', 'Started')).toEqual([]);
    expect(allowedOperationsAfter('Failback', 'Succeeded')).toEqual(['FailoverCommit', 'CancelFailover']);
    expect(allowedOperationsAfter('Failback', 'Failed')).toEqual(['PlannedFailover', 'CancelFailover']);
    expect(allowedOperationsAfter('Failback', 'Cancelled')).toEqual(['PlannedFailover', 'ReverseReplicate']);
    expect(allowedOperationsAfter('FailbackCancel', 'Succeeded')).toEqual(['PlannedFailover', 'ReverseReplicate']);
    // Reverse replication (reprotect RecoveryToPrimary): fail back or stop it; a failed start leaves the committed failover.
    expect(allowedOperationsAfter('ReverseReprotect', 'Succeeded')).toEqual(['PlannedFailover', 'CancelFailover']);
    expect(allowedOperationsAfter('ReverseReprotect', 'Failed')).toEqual(['PlannedFailover', 'ReverseReplicate']);
    expect(allowedOperationsAfter('FailbackCommit', 'Succeeded')).toEqual(['ReverseReplicate']);
    expect(allowedOperationsAfter('Reprotect', 'Succeeded')).toEqual(INITIAL_OPERATIONS);
    expect(allowedOperationsAfter('Reprotect', 'Failed')).toEqual(['ReverseReplicate']);
  });
});
