/**
 * The detail view of one queue as lines of text (pure): its figures now, its depth over the last
 * minute, its recent polls (newest first, as many as fit) and a peek at its head item.
 */
import { sparkline } from './history.js';
import { DASH, fit, formatBytes, formatClock, formatCount, formatDuration, formatRate, printable, truncate } from './format.js';
import { describeItem, previewData } from './preview.js';
import type { HeadView, QueueRow } from './snapshot.js';

function figures(row: QueueRow): string {
  return [
    `ready ${formatCount(row.items)}`,
    `open ${formatCount(row.open)}`,
    `delayed ${formatCount(row.delayed)}`,
    `waiting ${formatCount(row.waiters)}`,
    `age ${row.items === 0 ? DASH : formatDuration(row.ageMs)}`,
    `bytes ${formatBytes(row.bytes)}`,
  ].join('  ');
}

function totals(row: QueueRow): string {
  return [
    `enqueued ${formatCount(row.totalItems)}`,
    `acked ${formatCount(row.acked)}`,
    `released ${formatCount(row.released)}`,
    `expired ${formatCount(row.expiredItems)}`,
    `discarded ${formatCount(row.discarded)}`,
    `rejected ${formatCount(row.rejected)}`,
    `dead-lettered ${formatCount(row.dead)}`,
  ].join('  ');
}

function rates(row: QueueRow): string {
  return [
    `enq ${formatRate(row.enqueue)}/s`,
    `deq ${formatRate(row.dequeue)}/s`,
    `ack ${formatRate(row.ack)}/s`,
    `exp ${formatRate(row.expired)}/s`,
  ].join('  ');
}

function headLines(head: HeadView | undefined, width: number): string[] {
  const where = head?.server === undefined ? '' : ` on ${printable(head.server)}`;
  const title = `head item (peek, not consumed)${where}:`;
  if (head === undefined || (head.item === undefined && head.error === undefined)) return [title, '  …'];
  if (head.error !== undefined) return [title, `  ${head.error}`];
  if (head.item === null || head.item === undefined) return [title, '  (empty)'];
  return [`${title} ${describeItem(head.item)}`, '  ' + previewData(head.item.data, Math.max(1, width - 2))];
}

/**
 * The view for `row` (undefined when the queue is gone or filtered away) in `width` × `height`.
 * Every line fits the width.
 */
export function detailLines(
  name: string,
  row: QueueRow | undefined,
  head: HeadView | undefined,
  now: number,
  width: number,
  height: number,
): string[] {
  const lines: string[] = [];
  const servers = row === undefined || row.servers.length <= 1 ? '' : `  on ${row.servers.map(printable).join(', ')}`;
  lines.push(`queue ${printable(name)}${servers}   (Esc: back)`);
  if (row === undefined) {
    lines.push('', 'This queue is not on any server that answers now.');
    return lines.map((l) => truncate(l, width));
  }
  lines.push(figures(row), totals(row), rates(row), '', ...headLines(head, width), '');
  const max = row.history.reduce((m, p) => Math.max(m, p.items ?? 0), 0);
  lines.push(`depth over the last minute (largest ${formatCount(max)}):`, sparkline(row.history, now, Math.max(1, width)));
  // The recent polls take what is left, newest first; a short terminal cuts them before anything else.
  const polls = height - lines.length - 2;
  if (polls > 0) {
    lines.push('', ['TIME    ', '  READY', '   OPEN', '  ENQ/s', '  DEQ/s', '  ACK/s', '    AGE'].join(''));
    for (const p of [...row.history].reverse().slice(0, polls)) {
      lines.push(
        fit(formatClock(p.at), 8) +
          [p.items, p.open].map((v) => fit(formatCount(v), 7, 'right')).join('') +
          [p.enqueue, p.dequeue, p.ack].map((v) => fit(formatRate(v), 7, 'right')).join('') +
          fit(p.items === 0 ? DASH : formatDuration(p.ageMs), 7, 'right'),
      );
    }
  }
  return lines.map((l) => truncate(l, width));
}
