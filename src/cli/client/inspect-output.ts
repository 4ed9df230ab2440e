/**
 * `rq inspect`'s output (pure): a table of queues, one queue in detail, or JSON. A queue spread
 * over several servers is one row, its figures summed (its oldest item is the oldest anywhere);
 * each server gets a status line above the table.
 */
import { generalValues, sumQueue, type QueueStats, type ServerStats } from '../../client/stats.js';

/** 1234 → "1.2s", 75_000 → "1m15s", 7_500_000 → "2h05m", 200_000_000 → "2d07h". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const two = (n: number) => String(Math.floor(n)).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${two((s % 86400) / 3600)}h`;
}

/** 512 → "512B", 1536 → "1.5KiB", … */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[u]}`;
}

function count(n: number | undefined): string {
  return n === undefined ? '–' : String(n);
}

/**
 * A column of the queue table (or a row of the detail view): heading, how to show a queue, and,
 * for figures that only matter once a limit was hit, when to show it at all.
 */
type Column = readonly [string, (q: QueueStats) => string, ((q: QueueStats) => boolean)?];

/** Shown only when some queue has dropped (`--discard-old`) or refused items: the table stays narrow otherwise. */
const dropped = (q: QueueStats) => (q.discarded ?? 0) > 0 || (q.rejected ?? 0) > 0;
/** Likewise, delayed items (`--delay`) and dead-lettered ones (`--max-deliveries`). */
const some = (field: 'delayed' | 'dead') => (q: QueueStats) => (q[field] ?? 0) > 0;

const COLUMNS: readonly Column[] = [
  ['QUEUE', (q) => q.name],
  ['READY', (q) => count(q.items)],
  ['OPEN', (q) => count(q.open)],
  ['DELAYED', (q) => count(q.delayed), some('delayed')],
  ['OLDEST', (q) => (q.items === 0 ? '–' : formatDuration(q.ageMs))],
  ['BYTES', (q) => formatBytes(q.bytes)],
  ['PUSHED', (q) => count(q.totalItems)],
  ['ACKED', (q) => count(q.acked)],
  ['RELEASED', (q) => count(q.released)],
  ['EXPIRED', (q) => count(q.expiredItems)],
  ['DISCARDED', (q) => count(q.discarded), dropped],
  ['REJECTED', (q) => count(q.rejected), dropped],
  ['DEAD', (q) => count(q.dead), some('dead')],
  ['WAITING', (q) => count(q.waiters)],
];

/** The columns to show for these queues. */
function shown(columns: readonly Column[], queues: readonly QueueStats[]): Column[] {
  return columns.filter(([, , when]) => when === undefined || queues.some(when));
}

/** One line per server: where, which version, how long up, or why it is down. */
export function serverLine(s: ServerStats): string {
  if (s.state === 'down') return `${s.server}  down: ${s.error.message.slice(s.server.length + 2)}`;
  const g = s.general;
  const parts = [s.server, `rq ${g.get('version') ?? '?'}`];
  const uptime = g.get('uptime');
  if (uptime !== undefined) parts.push(`up ${formatDuration(Number(uptime) * 1000)}`);
  const connections = g.get('curr_connections');
  if (connections !== undefined) parts.push(`${connections} connections`);
  return parts.join('  ');
}

/** Queues by name, each summed over the servers that have it, in first-seen order. */
export function mergeQueues(stats: readonly ServerStats[]): QueueStats[] {
  const parts = new Map<string, QueueStats[]>();
  for (const s of stats) {
    if (s.state !== 'up') continue;
    for (const q of s.queues.values()) {
      const list = parts.get(q.name);
      if (list === undefined) parts.set(q.name, [q]);
      else list.push(q);
    }
  }
  return [...parts].map(([name, list]) => (list.length === 1 ? list[0] : sumQueue(name, list)));
}

/** Lays out rows under headings, numbers right-aligned, the first column left-aligned. */
export function table(headings: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headings.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(headings), ...rows.map(line)].join('\n') + '\n';
}

/** The overview: server lines, then the queue table. */
export function renderOverview(stats: readonly ServerStats[]): string {
  const head = stats.map(serverLine).join('\n') + '\n';
  const queues = mergeQueues(stats);
  if (queues.length === 0) return head + (stats.some((s) => s.state === 'up') ? 'no queues\n' : '');
  const columns = shown(COLUMNS, queues);
  return (
    head +
    '\n' +
    table(
      columns.map(([h]) => h),
      queues.map((q) => columns.map(([, show]) => show(q))),
    )
  );
}

/** A figure that servers older than this client do not send: shown when one sent it. */
const sent = (field: 'discarded' | 'rejected' | 'delayed' | 'dead' | 'headDeliveries') => (q: QueueStats) =>
  q[field] !== undefined;

const DETAIL: readonly Column[] = [
  ['ready', (q) => count(q.items)],
  ['open', (q) => count(q.open)],
  ['delayed', (q) => count(q.delayed), sent('delayed')],
  ['oldest ready', (q) => (q.items === 0 ? '–' : formatDuration(q.ageMs))],
  ['bytes', (q) => formatBytes(q.bytes)],
  ['pushed', (q) => count(q.totalItems)],
  ['acked', (q) => count(q.acked)],
  ['released', (q) => count(q.released)],
  ['expired', (q) => count(q.expiredItems)],
  ['discarded', (q) => count(q.discarded), sent('discarded')],
  ['rejected', (q) => count(q.rejected), sent('rejected')],
  ['dead-lettered', (q) => count(q.dead), sent('dead')],
  ['head deliveries', (q) => (q.items === 0 ? '–' : count(q.headDeliveries)), sent('headDeliveries')],
  ['waiting readers', (q) => count(q.waiters)],
];

/** One queue: a column per server that has it (and a total when there are several). Null when none has it. */
export function renderQueue(name: string, stats: readonly ServerStats[]): string | null {
  const columns: Array<[string, QueueStats]> = [];
  for (const s of stats) {
    if (s.state !== 'up') continue;
    const q = s.queues.get(name);
    if (q !== undefined) columns.push([s.server, q]);
  }
  if (columns.length === 0) return null;
  if (columns.length > 1)
    columns.push([
      'total',
      sumQueue(
        name,
        columns.map(([, q]) => q),
      ),
    ]);
  const rows = shown(
    DETAIL,
    columns.map(([, q]) => q),
  ).map(([label, show]) => [label, ...columns.map(([, q]) => show(q))]);
  return `${name}\n` + table(['', ...columns.map(([server]) => server)], rows);
}

/**
 * The JSON form (docs/json.md "rq inspect --json"): each server with its general stats and its
 * queues (`only`: that one queue), a down server with its error as text.
 */
export function statsJson(stats: readonly ServerStats[], only: string | null = null): object {
  return {
    servers: stats.map((s) =>
      s.state === 'up'
        ? {
            server: s.server,
            state: 'up',
            stats: generalValues(s),
            queues: [...s.queues.values()].filter((q) => only === null || q.name === only),
          }
        : { server: s.server, state: 'down', error: s.error.message },
    ),
  };
}
