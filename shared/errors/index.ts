export * from './ServiceError';
export * from './CorruptFormatError';
