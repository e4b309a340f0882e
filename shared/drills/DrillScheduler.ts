import { createHash, randomBytes } from 'node:crypto';
import { ServiceError } from '../errors';
import type { MetadataStore } from '../metadata';
import type { OrchestrationControl } from '../recovery/service/OrchestrationControl';
import { DRILL_RUN_ORCHESTRATION, type DrillRunRef } from './DrillActivityMap';
import { occurrencesBetween } from './drillOccurrences';
import { manualRunName, timerRunName, type DrillRunProperties, type DrillTrigger } from './DrillRunRecord';
import { DrillRunStore, type DrillRunDocument, type DrillScheduleDocument } from './DrillRunStore';

/** At most this many Missed records per schedule and round; earlier due times are counted in the oldest one's reason. */
const MAX_MISSED_RECORDS = 10;
/** Schedules looked at per round. */
const MAX_SCHEDULES = 1000;
/** A run claimed this long ago whose orchestration has not begun is started again (the host died between claim and start). */
const RESTART_CLAIMED_AFTER_MS = 5 * 60_000;

export interface SchedulerRound {
  started: string[];
  missed: number;
  lostClaims: number;
}

/** The Durable instance of a run: derived from the run, so starting it twice names the same instance. */
export function drillInstanceId(vaultKey: string, runId: string): string {
  return `drill-${createHash('sha256').update(`${vaultKey}\n${runId}`).digest('hex').slice(0, 32)}`;
}

function runProperties(schedule: DrillScheduleDocument, trigger: DrillTrigger, due: Date): DrillRunProperties {
  const s = schedule.properties;
  return {
    planId: schedule.armId.slice(0, schedule.armId.toLowerCase().lastIndexOf('/drillschedules/')), planName: schedule.armId.split('/').slice(-3)[0],
    scheduleId: schedule.armId, scheduleName: schedule.name, trigger, dueTime: due.toISOString(), phase: 'Claimed',
    recoveryPoint: s.recoveryPoint, verification: s.verification, keepUpSeconds: s.keepUpSeconds, machines: [], failures: [],
  };
}

/**
 * Starts due drills. Each round (the `drillScheduler` timer) looks at every enabled schedule:
 * the due times since the newest timer run (or since the schedule became active) are the
 * backlog. The newest one runs if it is at most `missedRunGraceSeconds` late; every other one
 * is recorded as Missed (never run: no bursts after a host was down). A due time is claimed by
 * creating its run document (a conditional create keyed by schedule and due time), so however
 * many hosts run this round at once, one of them starts the drill.
 */
export class DrillScheduler {
  private readonly runs: DrillRunStore;

  constructor(private readonly store: MetadataStore, private readonly orchestrations: OrchestrationControl, private readonly log: (message: string) => void = () => undefined) {
    this.runs = new DrillRunStore(store);
  }

  async round(now: Date = new Date()): Promise<SchedulerRound> {
    const report: SchedulerRound = { started: [], missed: 0, lostClaims: 0 };
    for (const doc of await this.store.listResourcesOfKindInAllVaults('drillSchedule', MAX_SCHEDULES)) {
      try {
        await this.consider(doc as unknown as DrillScheduleDocument, now, report);
      } catch (err) {
        this.log(`drill schedule ${doc.armId}: ${(err as Error).message}; tried again next round`);
      }
    }
    return report;
  }

  /** `asr drill run`: a manual run now, whatever the schedule says (a disabled schedule too). */
  async runNow(schedule: DrillScheduleDocument, now: Date = new Date()): Promise<DrillRunDocument> {
    const name = manualRunName(now, randomBytes(3).toString('hex'));
    const doc = await this.runs.claim(schedule, name, runProperties(schedule, 'Manual', now), now.toISOString());
    if (!doc) throw new ServiceError('Conflict', `drill run ${name} exists already; try again`);
    return this.start(doc);
  }

  private async consider(schedule: DrillScheduleDocument, now: Date, report: SchedulerRound): Promise<void> {
    const s = schedule.properties;
    if (!s.enabled) return;
    const newest = await this.runs.newestTimerRun(schedule);
    if (newest && newest.properties.phase === 'Claimed' && now.getTime() - Date.parse(newest.createdAt) > RESTART_CLAIMED_AFTER_MS) {
      await this.start(newest).catch((err: Error) => this.log(`drill run ${newest.armId} could not be started again: ${err.message}`));
    }
    const from = new Date(Math.max(Date.parse(s.activeSince), newest ? Date.parse(newest.properties.dueTime) : 0));
    const { times, more } = occurrencesBetween(s.schedule, s.timeZone, from, now, MAX_MISSED_RECORDS + 1);
    if (times.length === 0) return;
    const latest = times[times.length - 1];
    const late = now.getTime() - latest.getTime();
    const runLatest = late <= s.missedRunGraceSeconds * 1000;
    const missed = runLatest ? times.slice(0, -1) : times;
    for (const [i, due] of missed.entries()) {
      const why = due === latest
        ? `the scheduler first saw this due time ${Math.round(late / 1000)} s late (hosts down or stopped), past the grace of ${s.missedRunGraceSeconds} s`
        : `the scheduler did not run at this due time (hosts down or stopped); only the newest due time, ${latest.toISOString()}, is considered for a run, so missed drills never run in a burst`;
      const earlier = i === 0 && more > 0 ? ` (${more} earlier due time(s) since ${from.toISOString()} were missed too and are not recorded one by one)` : '';
      const at = now.toISOString();
      const doc = await this.runs.claim(schedule, timerRunName(due), { ...runProperties(schedule, 'Timer', due), phase: 'Done', result: 'Missed', reason: why + earlier, endTime: at }, at, true);
      if (doc) report.missed++;
    }
    if (!runLatest) return;
    const doc = await this.runs.claim(schedule, timerRunName(latest), runProperties(schedule, 'Timer', latest), now.toISOString());
    if (!doc) {
      report.lostClaims++;
      return;
    }
    await this.start(doc);
    report.started.push(doc.armId);
  }

  private async start(doc: DrillRunDocument): Promise<DrillRunDocument> {
    const instanceId = drillInstanceId(doc.vaultKey, doc.id);
    const ref: DrillRunRef = { vaultKey: doc.vaultKey, runId: doc.id };
    await this.orchestrations.start(DRILL_RUN_ORCHESTRATION, instanceId, ref);
    return this.runs.update(doc.vaultKey, doc.id, (p) => ({ ...p, instanceId }));
  }
}
