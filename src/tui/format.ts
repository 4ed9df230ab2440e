/**
 * How rq top writes numbers and names in a fixed width (pure). Anything unknown is "–"; anything
 * a server sent is made safe to print (a queue name may hold bytes a terminal would obey).
 */

/** Shown for every figure rq top does not know: a missing field, a rate before two polls. */
export const DASH = '–';
const ELLIPSIS = '…';

/** Replaces control characters (C0, DEL, C1) with `?` so server text cannot drive the terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Cuts `text` to `width` characters, marking the cut with "…". Never wraps, never pads. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? ELLIPSIS : text.slice(0, width - 1) + ELLIPSIS;
}

/** `text` cut or padded to exactly `width`, aligned left or right. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = truncate(text, width);
  return align === 'left' ? t.padEnd(width) : t.padStart(width);
}

function scaled(n: number, units: Array<[number, string]>): string {
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return (v < 10 ? v.toFixed(1) : Math.round(v).toString()) + unit;
    }
  }
  return String(n);
}

/** A count in at most 6 characters: 999999, then 1.2M, 34M, 1.2G. */
export function formatCount(n: number | undefined): string {
  if (n === undefined) return DASH;
  if (n < 1_000_000) return String(Math.round(n));
  return scaled(n, [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
  ]);
}

/** A per-second rate: "–" when unknown, one decimal below 10, then whole numbers, then k/M. */
export function formatRate(r: number | undefined): string {
  if (r === undefined) return DASH;
  if (r === 0) return '0';
  if (r < 10) return r.toFixed(1);
  if (r < 100_000) return String(Math.round(r));
  return scaled(r, [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ]);
}

/** Bytes in at most 5 characters, binary units: 512B, 1.5K, 23M. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return DASH;
  if (n < 1024) return `${n}B`;
  return scaled(n, [
    [1024 ** 4, 'T'],
    [1024 ** 3, 'G'],
    [1024 ** 2, 'M'],
    [1024, 'K'],
  ]);
}

/** A duration in at most 6 characters: 340ms, 12s, 5m03s, 3h02m, 2d03h. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return DASH;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** A server's uptime, which it reports in whole seconds: 0s, 59s, 5m03s, … */
export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined || seconds < 0) return DASH;
  return seconds < 1 ? '0s' : formatDuration(Math.floor(seconds) * 1000);
}

/** A wall-clock time as HH:MM:SS in local time. */
export function formatClock(ms: number | undefined): string {
  if (ms === undefined) return DASH;
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Seconds for a countdown: "retrying in 2 s". Rounds up so it never says 0 s before it retries. */
export function formatSeconds(ms: number): string {
  return `${Math.max(0, Math.ceil(ms / 1000))} s`;
}
