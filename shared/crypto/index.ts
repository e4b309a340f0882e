export * from './dataUnit';
export * from './InvalidEncryptionKeyError';
export * from './assertXtsKey';
export * from './xtsDataUnits';
export * from './keyFingerprint';
export * from './parseEncryptionKey';
export * from './assertKeyFits';
