export * from './BlobUrlSigner';
export * from './SiteDocuments';
export * from './SiteLogUploads';
export * from './SiteRegistry';
export * from './SiteSettings';
export * from './siteSecrets';
export * from './siteServicesFromEnv';
