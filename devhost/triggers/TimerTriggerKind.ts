import { FunctionRegistration } from '../core/FunctionRegistration';
import { HostContext, TriggerKind } from '../core/HostContext';
import { resolveSettingExpressions } from '../core/HostConfig';
import { HOSTS_CONTAINER } from './BlobReceiptStore';
import { ListenerLock } from './ListenerLock';
import { blobServiceFor } from './StorageClients';
import { TimerSchedule } from './TimerSchedule';
import { StoredTimerStatus, TimerStatus, TimerStatusStore } from './TimerStatusStore';
import { STOP_GRACE_MS, WorkTracker } from './WorkTracker';

/** What .NET prints for an unset DateTime: Azure's `Last` before the first run. */
const NEVER = '0001-01-01T00:00:00';

interface Timer {
  fn: FunctionRegistration;
  schedule: TimerSchedule;
  runOnStartup: boolean;
  lock: ListenerLock;
}

/** How often a host without the timer's lock checks whether it became free. */
const LOCK_RETRY_MS = 5000;

/**
 * Timer triggers: NCRONTAB (6 or 5 fields) or TimeSpan schedules in UTC, one loop per function.
 * The status blob keeps Last/Next across restarts: a host that starts after a missed Next
 * fires once at once with IsPastDue true, as Azure does; `runOnStartup` fires at every start.
 * Invocations of one timer never overlap: occurrences missed while one runs are skipped.
 * Like Azure, a timer is a singleton: among hosts of the same app only the one holding its
 * listener lock runs it.
 */
export class TimerTriggerKind implements TriggerKind {
  readonly name = 'timer';
  readonly triggerTypes = ['timertrigger'] as const;
  private readonly work = new WorkTracker();
  private host?: HostContext;
  private store?: TimerStatusStore;

  check(fn: FunctionRegistration, host: HostContext): void {
    scheduleOf(fn, host);
  }

  async start(functions: FunctionRegistration[], host: HostContext): Promise<void> {
    this.host = host;
    const hosts = blobServiceFor(host.storageConnectionString).getContainerClient(HOSTS_CONTAINER);
    const timers: Timer[] = functions.map((fn) => {
      const runOnStartup = fn.trigger.binding.runOnStartup === true || fn.trigger.binding.runOnStartup === 'true';
      const lock = new ListenerLock(hosts, `locks/${host.hostId}/${fn.name}.Listener`);
      return { fn, schedule: scheduleOf(fn, host), runOnStartup, lock };
    });
    this.store = new TimerStatusStore(hosts, host.hostId);
    for (const t of timers) {
      host.logger.log('information', `Timer trigger "${t.schedule.expression}" (UTC)${t.runOnStartup ? ', runOnStartup' : ''}`, { functionName: t.fn.name });
      void this.work.track(() => this.runWhileLocked(t));
    }
  }

  async stop(): Promise<void> {
    const left = await this.work.stop(STOP_GRACE_MS);
    if (left > 0) this.host?.logger.log('warning', `Stopped with ${left} timer invocation(s) still running.`);
  }

  /** Runs the timer whenever this host holds its lock; waits for the lock otherwise. */
  private async runWhileLocked(timer: Timer): Promise<void> {
    const scope = { functionName: timer.fn.name };
    let waiting = false;
    while (!this.work.stopping) {
      let acquired = false;
      try {
        acquired = await timer.lock.tryAcquire();
      } catch (e) {
        this.host!.logger.log('warning', `Taking the timer lock failed: ${(e as Error).message}`, scope);
      }
      if (!acquired) {
        if (!waiting) this.host!.logger.log('information', 'Another host of this app runs this timer; waiting for its lock', scope);
        waiting = true;
        await this.work.sleep(LOCK_RETRY_MS);
        continue;
      }
      waiting = false;
      try {
        await this.run(timer);
      } finally {
        if (this.work.stopping || !timer.lock.held) await timer.lock.release();
      }
    }
  }

  private async run(timer: Timer): Promise<void> {
    const { fn, schedule } = timer;
    const log = this.host!.logger;
    let stored: StoredTimerStatus;
    for (;;) {
      try {
        stored = await this.store!.read(fn.name);
        break;
      } catch (e) {
        log.log('warning', `Reading the timer status failed (${(e as Error).message}); retrying`, { functionName: fn.name });
        await this.work.sleep(2000);
        if (this.work.stopping) return;
      }
    }
    const now = new Date();
    let status: TimerStatus;
    if (stored.status) {
      status = stored.status;
      // A Next the schedule would never produce means the schedule changed: recompute it, as Azure does.
      if (!schedule.isOccurrence(new Date(status.Next))) {
        const last = status.Last && status.Last !== NEVER ? new Date(status.Last) : now;
        status = { ...status, Next: schedule.next(last).toISOString() };
      }
    } else {
      status = { Last: NEVER, Next: schedule.next(now).toISOString(), LastUpdated: now.toISOString() };
      stored = (await this.save(fn.name, status, stored)) ?? stored;
    }

    if (new Date(status.Next).getTime() < now.getTime()) {
      log.log('information', `Past due (Next was ${status.Next}): firing now`, { functionName: fn.name });
      ({ status, stored } = await this.fire(timer, status, stored, true));
    } else if (timer.runOnStartup) {
      ({ status, stored } = await this.fire(timer, status, stored, false));
    }
    while (!this.work.stopping && timer.lock.held) {
      const due = new Date(status.Next).getTime();
      const wait = due - Date.now();
      if (wait > 0) {
        await this.work.sleep(wait);
        continue;
      }
      ({ status, stored } = await this.fire(timer, status, stored, false));
    }
  }

  /** Invokes once, then records Last = now and the next occurrence after it. */
  private async fire(timer: Timer, status: TimerStatus, stored: StoredTimerStatus, isPastDue: boolean): Promise<{ status: TimerStatus; stored: StoredTimerStatus }> {
    const { fn, schedule } = timer;
    const input = { Schedule: { AdjustForDST: true }, ScheduleStatus: status, IsPastDue: isPastDue };
    const started = new Date();
    try {
      await this.host!.invoker.invoke(fn, { inputData: [{ name: fn.trigger.name, data: { json: JSON.stringify(input) } }] });
    } catch {
      // The invoker logged it; a failed run still advances the schedule, as in Azure.
    }
    const now = new Date();
    const next: TimerStatus = { Last: started.toISOString(), Next: schedule.next(now).toISOString(), LastUpdated: now.toISOString() };
    const saved = await this.save(fn.name, next, stored);
    return { status: next, stored: saved ?? stored };
  }

  private async save(functionName: string, status: TimerStatus, stored: StoredTimerStatus): Promise<StoredTimerStatus | undefined> {
    try {
      const saved = await this.store!.write(functionName, status, stored);
      if (saved) return saved;
      // Someone else wrote it (another host of the same app): adopt their ETag and write ours next time.
      this.host!.logger.log('warning', 'The timer status blob changed under this host; another host may run this timer too', { functionName });
      const fresh = await this.store!.read(functionName);
      return await this.store!.write(functionName, status, fresh);
    } catch (e) {
      this.host!.logger.log('warning', `Writing the timer status failed: ${(e as Error).message}`, { functionName });
      return undefined;
    }
  }
}

/** The function's schedule (`%Setting%` resolved), or a throw naming what is wrong with it. */
function scheduleOf(fn: FunctionRegistration, host: HostContext): TimerSchedule {
  const expression = resolveSettingExpressions(String(fn.trigger.binding.schedule ?? ''), host.settings, `Function "${fn.name}"`);
  return TimerSchedule.parse(expression, fn.name);
}
