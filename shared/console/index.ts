export * from './consoleResponses';
export * from './consoleConfig';
