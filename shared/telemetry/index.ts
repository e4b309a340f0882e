export * from './metricNames';
export * from './telemetry';
export * from './startApplicationInsights';
