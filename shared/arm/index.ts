export * from './ArmRequest';
export * from './ArmApi';
export * from './ArmRoute';
export * from './ArmContext';
export * from './armErrorCatalogue';
export * from './ResourceDefinition';
export { RESOURCE_DEFINITIONS } from './resources';
export { recoveryPointDocumentId } from './handlers/recoveryPointHandlers';
export * from './armApiFromEnv';
