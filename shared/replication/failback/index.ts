export * from './BlockDigestSource';
export * from './digestComparisonSource';
export * from './failbackTransfers';
export * from './failbackRound';
export * from './prepareFailbackDelta';
export * from './failbackDigestsEqual';
