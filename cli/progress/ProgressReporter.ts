import { SingleBar, Presets } from 'cli-progress';
import { formatBytes } from './formatBytes';

/** Shows how far a long byte-counted task got: a bar on a terminal, plain lines in a log. */
export interface ProgressReporter {
  update(done: number): void;
  /** The task completed: show 100%. */
  finish(): void;
  /** The task failed: stop drawing without claiming completion. */
  abort(): void;
}

export interface ProgressReporterOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  /** Minimum time between plain lines when not on a terminal; default 2 s. */
  lineIntervalMs?: number;
}

/**
 * A cli-progress bar when `stream` (stderr by default) is a terminal; otherwise a line such as
 * `converting: 42% (2.00 GiB of 4.66 GiB)` at most every `lineIntervalMs`, and one at 100%.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const { label, total } = options;
  if (stream.isTTY) {
    const bar = new SingleBar(
      { stream, format: `${label} |{bar}| {percentage}% | {doneText} of {totalText} | eta {eta_formatted}`, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0, { doneText: formatBytes(0), totalText: formatBytes(total) });
    return {
      update: (done) => bar.update(done, { doneText: formatBytes(done), totalText: formatBytes(total) }),
      finish: () => {
        bar.update(total, { doneText: formatBytes(total), totalText: formatBytes(total) });
        bar.stop();
      },
      abort: () => bar.stop(),
    };
  }
  const interval = options.lineIntervalMs ?? 2000;
  let last = Date.now();
  let lastDone = -1;
  const line = (done: number) => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    stream.write(`${label}: ${pct}% (${formatBytes(done)} of ${formatBytes(total)})\n`);
    lastDone = done;
  };
  return {
    update: (done) => {
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        line(done);
      }
    },
    finish: () => {
      if (lastDone !== total) line(total);
    },
    abort: () => undefined,
  };
}
