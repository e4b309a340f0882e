import { z } from 'zod';

/** The body a runbook POSTs to the callback URL. */
export const RunbookOutcomeSchema = z.strictObject({
  status: z.enum(['Succeeded', 'Failed']),
  /** Free text shown as the task's `jobOutput` and, on failure, in the job error. At most 32 KiB. */
  output: z.string().max(32 * 1024).optional(),
});

export type RunbookOutcome = z.infer<typeof RunbookOutcomeSchema>;
