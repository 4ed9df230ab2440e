/**
 * Which queues the table shows and in what order (pure): sorting, the name filter, the selection
 * and the scrolled window. The selection is a queue name, so it stays on its queue while the order
 * changes under it.
 */
import type { QueueRow } from './snapshot.js';

export const SORT_KEYS = ['name', 'depth', 'age', 'rate'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** The next sort column, for the `s` key. */
export function nextSort(key: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + 1) % SORT_KEYS.length];
}

/** Activity for the `rate` sort: enqueues plus reservations per second; unknown sorts last. */
function activity(r: QueueRow): number {
  if (r.enqueue === undefined && r.dequeue === undefined) return -1;
  return (r.enqueue ?? 0) + (r.dequeue ?? 0);
}

const BY: Record<SortKey, (r: QueueRow) => number> = {
  name: () => 0,
  depth: (r) => r.items ?? -1,
  age: (r) => r.ageMs ?? -1,
  rate: activity,
};

/** Rows in display order: by name ascending, or by the figure descending (largest first), ties by name. */
export function sortRows(rows: readonly QueueRow[], key: SortKey): QueueRow[] {
  const figure = BY[key];
  return [...rows].sort((a, b) => figure(b) - figure(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Rows whose name contains `filter`, ignoring case; an empty filter keeps all. */
export function filterRows(rows: readonly QueueRow[], filter: string): QueueRow[] {
  if (filter === '') return [...rows];
  const needle = filter.toLowerCase();
  return rows.filter((r) => r.name.toLowerCase().includes(needle));
}

/** The selected name after moving by `delta` rows; the first row when nothing valid is selected. */
export function moveSelection(names: readonly string[], selected: string | null, delta: number): string | null {
  if (names.length === 0) return null;
  const at = selected === null ? -1 : names.indexOf(selected);
  if (at < 0) return names[0];
  return names[Math.min(names.length - 1, Math.max(0, at + delta))];
}

/** The slice of `count` rows to draw in `height` lines so that row `selected` is visible. */
export function visibleWindow(count: number, selected: number, height: number): { start: number; end: number } {
  if (height <= 0) return { start: 0, end: 0 };
  if (count <= height) return { start: 0, end: count };
  const sel = Math.max(0, selected);
  const start = Math.min(Math.max(0, sel - Math.floor(height / 2)), count - height);
  return { start, end: start + height };
}

/** The rows the table shows: filtered by name, then sorted. */
export function visibleRows(rows: readonly QueueRow[], filter: string, sort: SortKey): QueueRow[] {
  return sortRows(filterRows(rows, filter), sort);
}
