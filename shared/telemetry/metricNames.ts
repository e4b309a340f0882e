/**
 * The metrics this service records (docs/telemetry.md lists their units and attributes). In
 * Application Insights they arrive as customMetrics under these names.
 */
export const METRICS = {
  /** Gauge, seconds: an item's RPO as the API computes it, per evaluation (attributes vault, item). */
  rpo: 'asr.replication.rpo_seconds',
  /** Gauge, count: logs waiting in `hrl/` for a disk after a sweep's merge (vault, item, disk). */
  logsWaiting: 'asr.replication.logs_waiting',
  /** Histogram, ms: one merge of a disk, from listing its logs to the last applied (vault, outcome). */
  mergeDuration: 'asr.merge.duration_ms',
  /** Counter, bytes: replica log bytes applied by merges (vault). */
  mergeBytes: 'asr.merge.applied_bytes',
  /** Histogram, bytes per second: applied bytes over a merge's duration, for merges that applied a log (vault). */
  mergeThroughput: 'asr.merge.throughput_bytes_per_second',
  /** Histogram, ms: a job from start to its end state (scenario, state). */
  jobDuration: 'asr.job.duration_ms',
  /** Histogram, ms: one step (task) of a job from start to end (scenario, step, state). */
  jobStepDuration: 'asr.job.step.duration_ms',
  /** Histogram, seconds: recovery time of a failover that succeeded, job start to end (scenario). */
  failoverRto: 'asr.failover.rto_seconds',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** How each metric is recorded: a gauge keeps the last value, a histogram aggregates, a counter sums. */
export const METRIC_KINDS: Record<MetricName, 'gauge' | 'histogram' | 'counter'> = {
  [METRICS.rpo]: 'gauge',
  [METRICS.logsWaiting]: 'gauge',
  [METRICS.mergeDuration]: 'histogram',
  [METRICS.mergeBytes]: 'counter',
  [METRICS.mergeThroughput]: 'histogram',
  [METRICS.jobDuration]: 'histogram',
  [METRICS.jobStepDuration]: 'histogram',
  [METRICS.failoverRto]: 'histogram',
};

/** Span names (Application Insights: the request or dependency's name); the operation id joins them. */
export const SPANS = {
  /** One merge of one disk (child of the invocation that ran it). */
  merge: 'asr.merge',
  /** One step of a job: its operation id is the job's name, so every step of a job is one operation. */
  jobStep: 'asr.job.step',
} as const;
