export * from './ProtectionState';
export * from './deriveProtectionStatus';
export * from './formatDuration';
export * from './protectionTransitions';
export * from './replicationHealth';
export * from './rpoThresholds';
export * from './policyIntervalOf';
