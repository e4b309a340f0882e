import { z } from 'zod';
import { virtualNetworkRefSchema } from '../naming';
import { DRILL_VERIFICATION_LEVELS, type DrillVerification } from '../recovery/plan/DrillJobOptions';
import { isTimeZone, ncrontabProblem } from './drillOccurrences';

const actionName = z.string().min(1).max(200);

/** Which recovery point a drill recovers: the latest (logs drained first), the latest application-consistent, or the state N hours before the drill starts. */
export const DrillPointSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Latest') }).strict(),
  z.object({ type: z.literal('LatestApplicationConsistent') }).strict(),
  z.object({ type: z.literal('HoursAgo'), hours: z.number().positive().max(72) }).strict(),
]);
export type DrillPoint = z.output<typeof DrillPointSchema>;

/** The settings of a drill schedule as a request gives them (every field but `schedule` and `testNetworkId` has a default). */
export const DrillScheduleInputSchema = z.object({
  /** NCRONTAB with seconds, as Azure Functions timers: `{second} {minute} {hour} {day} {month} {day-of-week}`. */
  schedule: z.string().max(200).superRefine((s, ctx) => {
    const problem = ncrontabProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** IANA time zone the schedule is read in. */
  timeZone: z.string().max(64).refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)').default('UTC'),
  enabled: z.boolean().default(true),
  recoveryPoint: DrillPointSchema.default({ type: 'Latest' }),
  verification: z.enum(DRILL_VERIFICATION_LEVELS).default('ApplicationProbes'),
  /** How long the recovered machines stay up after verification before the automatic cleanup. */
  keepUpSeconds: z.number().int().min(0).max(7 * 86400).default(900),
  /** The isolated network the test failover joins. */
  testNetworkId: virtualNetworkRefSchema,
  /** Per manual action of the plan: approved by the drill itself, or the drill waits (up to `manualActionDeadlineSeconds`). Unlisted actions wait. */
  manualActions: z.array(z.object({ actionName, mode: z.enum(['AutoApprove', 'Wait']) }).strict()).max(50).default([])
    .refine((a) => new Set(a.map((x) => x.actionName.toLowerCase())).size === a.length, 'an action is listed twice'),
  manualActionDeadlineSeconds: z.number().int().min(1).max(7 * 86400).default(3600),
  /** A due time the scheduler saw late by at most this much still runs (once); later ones are recorded as Missed. */
  missedRunGraceSeconds: z.number().int().min(0).max(86400).default(900),
  /** Who is told: alert-setting webhooks (`<alertSetting>/<webhook>`) that get this schedule's drill events; none listed = every webhook of the vault, by its minimum severity. */
  notify: z.object({ targets: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}\/[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, '<alertSetting>/<webhook>')).max(20).default([]) }).strict().default({ targets: [] }),
}).strict();

/** What is stored: the settings, and since when the schedule's due times count (set when it is created, enabled or its timing changes). */
export interface DrillScheduleProperties {
  schedule: string;
  timeZone: string;
  enabled: boolean;
  recoveryPoint: DrillPoint;
  verification: DrillVerification;
  keepUpSeconds: number;
  testNetworkId: string;
  manualActions: { actionName: string; mode: 'AutoApprove' | 'Wait' }[];
  manualActionDeadlineSeconds: number;
  missedRunGraceSeconds: number;
  notify: { targets: string[] };
  /** Due times at or before this are never run or recorded as missed (a new or re-enabled schedule has no backlog). */
  activeSince: string;
}
