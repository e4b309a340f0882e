export * from './consoleResponses';
