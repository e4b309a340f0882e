export * from './ActionTimeoutPolicy';
export * from './CallbackClaims';
export * from './CallbackTokenError';
export * from './ManualActionTaskDetails';
export * from './RecoveryPlanActionDetails';
export * from './RecoveryPlanContext';
export * from './RunbookOutcome';
export * from './UsedTokenLedger';
