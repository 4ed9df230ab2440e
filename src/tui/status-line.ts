/** The status line at the bottom of the screen (pure): interval, last good poll, sort, filter, pause. */
import { formatClock, printable } from './format.js';
import type { UiState } from './keys.js';
import type { Snapshot } from './snapshot.js';

export function statusLine(
  snapshot: Snapshot,
  ui: Pick<UiState, 'sort' | 'filter' | 'editingFilter' | 'paused'>,
  shown: number,
  total: number,
): string {
  const lastGood = snapshot.servers.reduce<number | undefined>(
    (m, s) => (s.lastGoodAt === undefined ? m : Math.max(m ?? 0, s.lastGoodAt)),
    undefined,
  );
  const down = snapshot.servers.filter((s) => s.state === 'down').length;
  const parts = [
    `every ${snapshot.intervalMs >= 1000 ? `${snapshot.intervalMs / 1000} s` : `${snapshot.intervalMs} ms`}`,
    `last poll ${formatClock(lastGood)}`,
    `sort ${ui.sort}`,
    `${shown === total ? '' : `${shown} of `}${total} queue${total === 1 ? '' : 's'}`,
  ];
  if (down > 0) parts.push(`${down} of ${snapshot.servers.length} server${snapshot.servers.length > 1 ? 's' : ''} down`);
  if (ui.editingFilter) parts.push(`filter: ${printable(ui.filter)}▏`);
  else if (ui.filter !== '') parts.push(`filter "${printable(ui.filter)}"`);
  if (ui.paused) parts.push('PAUSED (p resumes)');
  parts.push('? keys');
  return parts.join(' · ');
}
