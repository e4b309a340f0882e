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
    expect(allowedOperationsAfter('FailoverCommit', 'Succeeded')).toEqual([]);
  });
});
