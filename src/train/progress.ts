import type { WriteStream } from 'node:tty';

/** Figures reported with a progress update (loss, accuracy, images per second...). */
export type ProgressMetrics = Record<string, number | string>;

/** One long-running task (an epoch, a feature pass, a benchmark) reporting how far it is. */
export interface ProgressTask {
  /** Advances by `steps` (default 1), with the latest metrics. */
  tick(steps?: number, metrics?: ProgressMetrics): void;
  /** Marks the task finished, with its final metrics. */
  done(metrics?: ProgressMetrics): void;
}

/**
 * Where long jobs report progress. A TTY gets a redrawn bar; anything else gets structured JSON lines
 * (one object per line) so logs can be parsed. Library code takes a sink and never prints by itself.
 */
export interface ProgressSink {
  /** Starts a task of `total` steps (e.g. batches). */
  task(name: string, total: number, fields?: ProgressMetrics): ProgressTask;
  /** A one-off structured log event (phase changes, summaries). */
  log(event: string, fields?: ProgressMetrics): void;
}

/** A sink that reports nothing (tests, library use without output). */
export const silentProgress: ProgressSink = {
  task: () => ({ tick: () => undefined, done: () => undefined }),
  log: () => undefined,
};

function formatMetrics(metrics: ProgressMetrics): string {
  return Object.entries(metrics)
    .map(
      ([key, value]) =>
        `${key} ${typeof value === 'number' ? (Number.isInteger(value) ? value : value.toPrecision(4)) : value}`,
    )
    .join('  ');
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/** A bar redrawn in place on a terminal, at most ten times a second. */
export class TtyProgress implements ProgressSink {
  constructor(private readonly stream: WriteStream) {}

  task(name: string, total: number, fields: ProgressMetrics = {}): ProgressTask {
    const started = performance.now();
    let done = 0;
    let lastDraw = 0;
    let metrics: ProgressMetrics = {};
    const label = [name, formatMetrics(fields)].filter(Boolean).join(' ');
    const draw = (final: boolean): void => {
      const now = performance.now();
      if (!final && now - lastDraw < 100) return;
      lastDraw = now;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const width = 24;
      const filled = Math.round(fraction * width);
      const elapsed = (now - started) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : Number.NaN;
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const timing = final ? formatSeconds(elapsed) : `eta ${formatSeconds(eta)}`;
      const line = `${label} [${bar}] ${done}/${total} ${timing}  ${formatMetrics(metrics)}`;
      const columns = this.stream.columns ?? 120;
      this.stream.write(
        `\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, line.length))}\x1b[K${final ? '\n' : ''}`,
      );
    };
    return {
      tick: (steps = 1, latest?: ProgressMetrics) => {
        done += steps;
        if (latest) metrics = latest;
        draw(false);
      },
      done: (latest?: ProgressMetrics) => {
        if (latest) metrics = latest;
        done = Math.max(done, total);
        draw(true);
      },
    };
  }

  log(event: string, fields: ProgressMetrics = {}): void {
    this.stream.write(`${event}${Object.keys(fields).length ? `: ${formatMetrics(fields)}` : ''}\n`);
  }
}

/** JSON lines: `{"time", "event": "progress"|"done"|..., "task", "done", "total", ...metrics}`. */
export class JsonLinesProgress implements ProgressSink {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly everyPercent = 10,
  ) {}

  private write(record: Record<string, unknown>): void {
    this.stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }

  task(name: string, total: number, fields: ProgressMetrics = {}): ProgressTask {
    const started = performance.now();
    let done = 0;
    let nextReport = total * (this.everyPercent / 100);
    return {
      tick: (steps = 1, metrics: ProgressMetrics = {}) => {
        done += steps;
        if (done >= nextReport && done < total) {
          nextReport += total * (this.everyPercent / 100);
          this.write({ event: 'progress', task: name, ...fields, done, total, ...metrics });
        }
      },
      done: (metrics: ProgressMetrics = {}) => {
        const seconds = (performance.now() - started) / 1000;
        this.write({
          event: 'done',
          task: name,
          ...fields,
          done: Math.max(done, total),
          total,
          seconds: Number(seconds.toFixed(3)),
          ...metrics,
        });
      },
    };
  }

  log(event: string, fields: ProgressMetrics = {}): void {
    this.write({ event, ...fields });
  }
}

/** The sink for a CLI: a bar on a TTY, JSON lines otherwise (or when `json` is forced). */
export function consoleProgress(options: { json?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressSink {
  const stream = options.stream ?? process.stderr;
  if (!options.json && stream.isTTY) return new TtyProgress(stream as WriteStream);
  return new JsonLinesProgress(stream);
}
