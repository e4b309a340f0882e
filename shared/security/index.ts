export * from './Role';
export * from './Principal';
export * from './AuthConfig';
export * from './DevelopmentIssuer';
export * from './TokenVerifier';
