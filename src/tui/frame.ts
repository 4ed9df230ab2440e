/**
 * `rq top --once` and `rq top` without a terminal: one plain-text frame (no colours, no cursor
 * movement), and `--json`: one snapshot as JSON. Pure functions of a Snapshot; React is not loaded.
 */
import { formatClock, truncate } from './format.js';
import { serverLine } from './server-line.js';
import type { Snapshot } from './snapshot.js';
import { generalValues } from '../client/stats.js';
import { headerLine, longestName, rowLine, tableLayout } from './table.js';
import { sortRows } from './view.js';

/** The frame as text ending in a newline. `width` undefined (a pipe): lines are never cut. */
export function plainFrame(snapshot: Snapshot, width: number | undefined): string {
  const cut = (line: string) => (width === undefined ? line : truncate(line, width)).trimEnd();
  // One frame never retries, so a down server's line has no countdown.
  const lines = snapshot.servers.map((s) => serverLine({ ...s, retryInMs: undefined }, width));
  lines.push('');
  const rows = sortRows(snapshot.queues, 'name');
  const layout = tableLayout(width, longestName(rows), snapshot.servers.length > 1, rows);
  lines.push(cut(headerLine(layout)));
  for (const row of rows) lines.push(cut(rowLine(layout, row, snapshot.at)));
  if (rows.length === 0) lines.push('(no queues)');
  lines.push('');
  lines.push(
    cut(
      `polled ${formatClock(snapshot.at)} · ${rows.length} queue${rows.length === 1 ? '' : 's'} · rates over the last ${snapshot.intervalMs} ms`,
    ),
  );
  return lines.join('\n') + '\n';
}

const orNull = (v: number | undefined) => (v === undefined ? null : v);

/**
 * The snapshot for scripts (docs/json.md "rq top --json"): unknown figures are null, never
 * guessed; rates are per second; times are ms since the epoch.
 */
export function snapshotJson(snapshot: Snapshot): object {
  return {
    at: snapshot.at,
    interval_ms: snapshot.intervalMs,
    servers: snapshot.servers.map((s) => ({
      server: s.address,
      state: s.state,
      error: s.error ?? null,
      last_good_at: s.lastGoodAt ?? null,
      stats: s.stats === undefined ? null : generalValues(s.stats),
      enqueue_per_s: orNull(s.enqueue),
      dequeue_per_s: orNull(s.dequeue),
      ack_per_s: orNull(s.ack),
    })),
    queues: sortRows(snapshot.queues, 'name').map((q) => ({
      name: q.name,
      servers: q.servers,
      items: orNull(q.items),
      open: orNull(q.open),
      waiters: orNull(q.waiters),
      bytes: orNull(q.bytes),
      age_ms: q.items === 0 ? null : orNull(q.ageMs),
      total_items: orNull(q.totalItems),
      expired_items: orNull(q.expiredItems),
      acked: orNull(q.acked),
      released: orNull(q.released),
      discarded: orNull(q.discarded),
      rejected: orNull(q.rejected),
      delayed: orNull(q.delayed),
      dead: orNull(q.dead),
      enqueue_per_s: orNull(q.enqueue),
      dequeue_per_s: orNull(q.dequeue),
      ack_per_s: orNull(q.ack),
      expired_per_s: orNull(q.expired),
    })),
  };
}
