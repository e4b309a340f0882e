import { resetTelemetryInstruments } from './telemetry';

export interface TelemetryHandle {
  /** Sends what is batched (traces, logs, metrics). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let started: TelemetryHandle | undefined;

/**
 * Starts the Application Insights SDK (`applicationinsights` 3.x, Azure Monitor OpenTelemetry)
 * once per process when APPLICATIONINSIGHTS_CONNECTION_STRING is set; otherwise does nothing and
 * returns undefined. The only file that loads the SDK: everything else records through
 * ./telemetry over the OpenTelemetry API. The SDK posts only over https (an `http://` ingestion
 * endpoint is rewritten to `https://`). The SDK's own variables apply (OTEL_METRIC_EXPORT_INTERVAL:
 * metrics every 60 s unless set; APPLICATION_INSIGHTS_NO_STATSBEAT: no SDK statistics).
 */
export function startApplicationInsights(env: NodeJS.ProcessEnv = process.env): TelemetryHandle | undefined {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return undefined;
  if (started) return started;
  // Loaded only when switched on: the SDK patches modules and starts timers as it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('applicationinsights') as typeof import('applicationinsights');
  sdk.useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    // Live metrics talk to an endpoint of their own; standard metrics and performance counters
    // (process CPU and memory) repeat what the Functions host reports.
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    enablePerformanceCounters: false,
    // Every merge and job step is kept: they are few, and a sampled-out step breaks the job's story.
    samplingRatio: 1,
    tracesPerSecond: 0,
  });
  resetTelemetryInstruments();
  started = { flush: () => sdk.flushAzureMonitor(), shutdown: () => sdk.shutdownAzureMonitor() };
  return started;
}
