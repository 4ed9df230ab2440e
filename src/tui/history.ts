/**
 * A queue's recent past (pure): points per poll over the last minute, and the sparkline drawn
 * from them. Time is passed in.
 */

/** How much history rq top keeps and the sparkline spans: the last minute. */
export const HISTORY_MS = 60_000;

/** One queue's figures at one poll (combined over the servers that answered). */
export interface QueuePoint {
  readonly at: number;
  readonly items?: number;
  readonly open?: number;
  readonly ageMs?: number;
  readonly enqueue?: number;
  readonly dequeue?: number;
  readonly ack?: number;
}

/** A new list: `points` plus `point`, without points older than `windowMs` before it. */
export function appendPoint(points: readonly QueuePoint[], point: QueuePoint, windowMs = HISTORY_MS): QueuePoint[] {
  const from = point.at - windowMs;
  let start = 0;
  while (start < points.length && points[start].at < from) start++;
  const out = points.slice(start);
  out.push(point);
  return out;
}

/** Eight heights, lowest first; an empty queue draws the lowest, "no data yet" draws a space. */
const BARS = '▁▂▃▄▅▆▇█';

/**
 * The depth (ready items) over the window ending at `now`, `width` characters wide. Each character
 * is a slice of the window showing the largest depth polled in it; a slice without a poll repeats
 * the one before (depth is a level, not an event); slices before the first poll are blank. Heights
 * are relative to the largest depth in the window, and any non-empty queue is at least one step
 * above an empty one.
 */
export function sparkline(points: readonly QueuePoint[], now: number, width: number, windowMs = HISTORY_MS): string {
  if (width <= 0) return '';
  const slice = windowMs / width;
  const start = now - windowMs;
  const levels = new Array<number | undefined>(width).fill(undefined);
  for (const p of points) {
    if (p.items === undefined || p.at > now || p.at < start) continue;
    const i = Math.min(width - 1, Math.floor((p.at - start) / slice));
    levels[i] = Math.max(levels[i] ?? 0, p.items);
  }
  let last: number | undefined;
  let max = 0;
  for (let i = 0; i < width; i++) {
    if (levels[i] === undefined) levels[i] = last;
    else last = levels[i];
    max = Math.max(max, levels[i] ?? 0);
  }
  let out = '';
  for (const v of levels) {
    if (v === undefined) out += ' ';
    else if (v <= 0 || max === 0) out += BARS[0];
    else out += BARS[Math.max(1, Math.ceil((v / max) * (BARS.length - 1)))];
  }
  return out;
}
