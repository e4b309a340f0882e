import { randomUUID } from 'node:crypto';
import { HistoryEvent } from '../history/HistoryEvent';
import { ControlMessage } from '../store/QueueMessages';
import { TaskHubQueue } from '../store/TaskHubQueue';

/** Events per control message at most (and well under the 64 KiB message limit). */
const MAX_EVENTS = 64;
const MAX_CHARS = 40 * 1024;

/**
 * Posts activity completions to the control queue, several per message when they finish
 * together: a fan-out's completions then cost one send, receive and delete per batch instead
 * of per activity. `post` resolves once the completion is durably queued.
 */
export class CompletionBatcher {
  private pending: Array<{ instanceId: string; executionId: string; event: HistoryEvent; done: (e?: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly control: TaskHubQueue<ControlMessage>, private readonly posted: () => void) {}

  post(instanceId: string, executionId: string, event: HistoryEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ instanceId, executionId, event, done: (e) => (e ? reject(e) : resolve()) });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const items = this.pending;
    this.pending = [];
    this.scheduled = false;
    const groups = new Map<string, typeof items>();
    for (const it of items) {
      const key = `${it.instanceId}|${it.executionId}`;
      groups.set(key, [...(groups.get(key) ?? []), it]);
    }
    const sends: Array<Promise<void>> = [];
    for (const group of groups.values()) {
      let chunk: typeof items = [];
      let chars = 0;
      const send = (c: typeof items) => {
        const m: ControlMessage = { id: randomUUID(), instanceId: c[0].instanceId, executionId: c[0].executionId, events: c.map((x) => x.event) };
        sends.push(this.control.send(m).then(() => c.forEach((x) => x.done()), (e) => c.forEach((x) => x.done(e))));
      };
      for (const it of group) {
        const size = JSON.stringify(it.event).length;
        if (chunk.length && (chunk.length >= MAX_EVENTS || chars + size > MAX_CHARS)) { send(chunk); chunk = []; chars = 0; }
        chunk.push(it);
        chars += size;
      }
      if (chunk.length) send(chunk);
    }
    await Promise.all(sends);
    this.posted();
  }
}
