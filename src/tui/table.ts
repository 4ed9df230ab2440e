/**
 * The queue table as text (pure): which columns fit a terminal width, and each row as one line that
 * never exceeds it. Names are truncated, never wrapped. Both the live screen and the plain --once
 * frame draw their tables from here, so they agree.
 */
import { sparkline } from './history.js';
import { DASH, fit, formatBytes, formatCount, formatDuration, formatRate, printable } from './format.js';
import type { QueueRow } from './snapshot.js';

export type ColumnKey =
  | 'items'
  | 'open'
  | 'waiters'
  | 'enqueue'
  | 'dequeue'
  | 'ack'
  | 'expired'
  | 'delayed'
  | 'dead'
  | 'age'
  | 'bytes'
  | 'servers'
  | 'depth';

interface ColumnSpec {
  readonly key: ColumnKey;
  readonly title: string;
  readonly width: number;
}

/** Left to right. Widths fit the formatters: counts and rates ≤ 6–7 characters, durations ≤ 6. */
const COLUMNS: readonly ColumnSpec[] = [
  { key: 'items', title: 'READY', width: 7 },
  { key: 'open', title: 'OPEN', width: 6 },
  { key: 'waiters', title: 'WAIT', width: 4 },
  { key: 'enqueue', title: 'ENQ/s', width: 7 },
  { key: 'dequeue', title: 'DEQ/s', width: 7 },
  { key: 'ack', title: 'ACK/s', width: 7 },
  { key: 'expired', title: 'EXP/s', width: 6 },
  { key: 'delayed', title: 'DELAYED', width: 7 },
  { key: 'dead', title: 'DEAD', width: 5 },
  { key: 'age', title: 'AGE', width: 6 },
  { key: 'bytes', title: 'BYTES', width: 6 },
  { key: 'servers', title: 'SRV', width: 3 },
  { key: 'depth', title: 'DEPTH 1m', width: 20 },
];

/**
 * Columns shown only when some queue has something in them, as `rq inspect` does: the table stays
 * as narrow as before for queues that never delay or dead-letter an item.
 */
const WHEN_SOME: Partial<Record<ColumnKey, (row: QueueRow) => boolean>> = {
  delayed: (r) => (r.delayed ?? 0) > 0,
  dead: (r) => (r.dead ?? 0) > 0,
};

/** What goes first when the terminal is too narrow. READY, ENQ/s and the name always stay. */
const DROP_ORDER: readonly ColumnKey[] = [
  'servers',
  'expired',
  'bytes',
  'delayed',
  'waiters',
  'dead',
  'ack',
  'depth',
  'open',
  'dequeue',
  'age',
];
/** Columns are dropped before a name gets narrower than this (a name cut shorter says little). */
const NAME_MIN = 12;
const NAME_TITLE = 'QUEUE';
const DEPTH_MIN = 10;
/** The sparkline never takes more than this: wider says little more, and costs drawing time. */
const DEPTH_MAX = 30;

export interface Column {
  readonly key: ColumnKey;
  readonly title: string;
  readonly width: number;
}

export interface TableLayout {
  readonly nameWidth: number;
  readonly columns: readonly Column[];
}

/**
 * Columns for a terminal `width` wide (undefined: no limit, as in a pipe). `longestName` lets the
 * name column take only what it needs and give the rest to the depth sparkline; `rows` say
 * whether the columns of WHEN_SOME are wanted.
 */
export function tableLayout(
  width: number | undefined,
  longestName: number,
  multiServer: boolean,
  rows: readonly QueueRow[] = [],
): TableLayout {
  const wanted = (c: ColumnSpec) => {
    const when = WHEN_SOME[c.key];
    return (multiServer || c.key !== 'servers') && (when === undefined || rows.some(when));
  };
  let cols: Array<{ -readonly [K in keyof Column]: Column[K] }> = COLUMNS.filter(wanted).map((c) => ({ ...c }));
  const used = () => cols.reduce((sum, c) => sum + c.width + 1, 0);
  const wantName = Math.max(NAME_TITLE.length, longestName);
  if (width === undefined) return { nameWidth: wantName, columns: cols };
  for (const drop of DROP_ORDER) {
    if (used() + NAME_MIN <= width) break;
    const depth = cols.find((c) => c.key === 'depth');
    if (depth !== undefined && depth.width > DEPTH_MIN) {
      depth.width = Math.max(DEPTH_MIN, depth.width - (used() + NAME_MIN - width));
      if (used() + NAME_MIN <= width) break;
    }
    cols = cols.filter((c) => c.key !== drop);
  }
  // A longer name is worth more than a wider sparkline: shrink the sparkline for it first.
  const depth = cols.find((c) => c.key === 'depth');
  if (depth !== undefined && width - used() < wantName)
    depth.width = Math.max(DEPTH_MIN, depth.width - (wantName - (width - used())));
  const room = Math.max(1, width - used());
  const nameWidth = Math.min(room, Math.max(NAME_MIN, wantName));
  if (depth !== undefined) depth.width = Math.min(DEPTH_MAX, depth.width + (room - nameWidth));
  return { nameWidth, columns: cols };
}

export function headerLine(layout: TableLayout): string {
  return (
    fit(NAME_TITLE, layout.nameWidth) +
    layout.columns.map((c) => ' ' + fit(c.title, c.width, c.key === 'depth' ? 'left' : 'right')).join('')
  );
}

function cell(row: QueueRow, key: ColumnKey, width: number, now: number): string {
  switch (key) {
    case 'items':
      return formatCount(row.items);
    case 'open':
      return formatCount(row.open);
    case 'waiters':
      return formatCount(row.waiters);
    case 'enqueue':
      return formatRate(row.enqueue);
    case 'dequeue':
      return formatRate(row.dequeue);
    case 'ack':
      return formatRate(row.ack);
    case 'expired':
      return formatRate(row.expired);
    case 'delayed':
      return formatCount(row.delayed);
    case 'dead':
      return formatCount(row.dead);
    // An empty queue has no oldest item.
    case 'age':
      return row.items === 0 ? DASH : formatDuration(row.ageMs);
    case 'bytes':
      return formatBytes(row.bytes);
    case 'servers':
      return String(row.servers.length);
    case 'depth':
      return sparkline(row.history, now, width);
  }
}

/**
 * One table row in two parts: the figures, and the depth sparkline (empty without that column).
 * They are apart because the live screen draws them as two texts: Ink measures a line of plain
 * ASCII at once but a line with any other character grapheme by grapheme, and the sparkline is
 * the only part that is never ASCII.
 */
export function rowParts(layout: TableLayout, row: QueueRow, now: number): { figures: string; depth: string } {
  let figures = fit(printable(row.name), layout.nameWidth);
  let depth = '';
  for (const c of layout.columns) {
    if (c.key === 'depth') depth = ' ' + sparkline(row.history, now, c.width);
    else figures += ' ' + fit(cell(row, c.key, c.width, now), c.width, 'right');
  }
  return { figures, depth };
}

/** One table row, at most the layout's width. */
export function rowLine(layout: TableLayout, row: QueueRow, now: number): string {
  const { figures, depth } = rowParts(layout, row, now);
  return figures + depth;
}

/** The width of the longest printable name among `rows`. */
export function longestName(rows: readonly QueueRow[]): number {
  let n = 0;
  for (const r of rows) n = Math.max(n, r.name.length);
  return n;
}
