export * from './blobPath';
export * from './resourceNames';
