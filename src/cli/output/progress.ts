/**
 * A progress line on stderr for long work (`rq push` of a large input, `rq replay-journal
 * --push-to`, `rq work --progress`): redrawn in place a few times a second, and only on a
 * terminal — a log or a pipe gets nothing. Short work shows nothing at all: the line appears once
 * the work has lasted SHOW_AFTER_MS.
 */

/** Work shorter than this shows no progress line (no flicker for a quick push). */
const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 250;

export class ProgressLine {
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private shown = false;

  /** `describe(elapsedMs)` says where the work is, in a few words. */
  constructor(
    private readonly command: string,
    private readonly describe: (elapsedMs: number) => string,
    enabled = process.stderr.isTTY === true,
  ) {
    if (!enabled) return;
    this.timer = setTimeout(() => {
      this.draw();
      this.timer = setInterval(() => this.draw(), REDRAW_MS).unref();
    }, SHOW_AFTER_MS).unref();
  }

  /** Stops redrawing; a line that was shown is drawn a last time and ended with a newline. */
  end(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.shown) return;
    this.draw();
    process.stderr.write('\n');
  }

  private draw(): void {
    this.shown = true;
    // \r back to the start of the line, \x1b[K clears what a longer earlier line left.
    process.stderr.write(
      `\r\x1b[K${`rq ${this.command}: ${this.describe(Date.now() - this.started)}`.slice(0, (process.stderr.columns || 80) - 1)}`,
    );
  }
}

/** "12,345 items" style counts, and a rate per second over the elapsed time. */
export function rate(count: number, elapsedMs: number): string {
  return elapsedMs < 1 ? '–' : Math.round((count * 1000) / elapsedMs).toLocaleString('en-US');
}

/** 75_000 → "1:15", 3_725_000 → "1:02:05". */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600
    ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`
    : `${Math.floor(s / 60)}:${two(s % 60)}`;
}
