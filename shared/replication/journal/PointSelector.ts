/**
 * Which state of a replicated disk to recover. JSON-safe (activity inputs and outputs go through
 * JSON): sequences and epochs are decimal strings.
 * - `latestProcessed`: the newest merged log (drain pending logs first for ASR's `Latest`);
 * - `sequence`: exactly the disk after that log;
 * - `time`: the newest log boundary at or before that time (source clock), ISO 8601.
 */
export type PointSelector =
  | { kind: 'latestProcessed' }
  | { kind: 'sequence'; sequence: string; epoch?: string }
  | { kind: 'time'; time: string; epoch?: string };
