export * from './VaultRef';
export * from './MetadataDocuments';
export * from './MetadataStore';
export * from './MetadataStoreConfig';
export * from './CosmosMetadataStore';
export * from './ensureMetadataStore';
export * from './cosmosErrors';
