/**
 * One line per server for the top of the screen (pure): address, state and the server-wide figures.
 * A down server keeps its line, with the reason and when rq top tries again.
 */
import {
  DASH,
  formatBytes,
  formatClock,
  formatCount,
  formatRate,
  formatSeconds,
  formatUptime,
  printable,
  truncate,
} from './format.js';
import type { ServerView } from './snapshot.js';
import { generalNumber } from '../client/stats.js';

/** The mark before the address: up, down, not heard from yet. */
export const STATE_MARK = { up: '●', down: '✗', connecting: '…' } as const;

function text(view: ServerView, field: string): string {
  const v = view.stats?.general.get(field);
  return v === undefined ? DASH : printable(v);
}

/** The words of a server's line, before it is cut to the terminal width. */
export function serverLineParts(view: ServerView): string[] {
  const head = `${STATE_MARK[view.state]} ${printable(view.address)}`;
  if (view.state === 'connecting') return [head, 'connecting'];
  if (view.state === 'down') {
    const retry = view.retryInMs === undefined ? '' : `, retrying in ${formatSeconds(view.retryInMs)}`;
    const seen = view.lastGoodAt === undefined ? 'never reached' : `last seen ${formatClock(view.lastGoodAt)}`;
    return [head, `down: ${view.error ?? 'no reply'}${retry}`, seen];
  }
  const n = (f: string) => generalNumber(view.stats, f);
  // The journal's fields (journal_fsync, journal_bytes, journal_state) exist only with a journal.
  const fsync = view.stats?.general.get('journal_fsync') ?? view.stats?.general.get('fsync');
  const journalState = view.stats?.general.get('journal_state');
  // Most telling first: a narrow terminal cuts from the end. A failed journal comes right after the
  // address, since it means the server refuses writes.
  return [
    head,
    ...(journalState !== undefined && journalState !== 'ok' ? [`JOURNAL ${printable(journalState)}`] : []),
    `up ${formatUptime(n('uptime'))}`,
    `enq ${formatRate(view.enqueue)}/s deq ${formatRate(view.dequeue)}/s ack ${formatRate(view.ack)}/s`,
    `items ${formatCount(n('curr_items'))} open ${formatCount(n('open_items'))}`,
    `conns ${formatCount(n('curr_connections'))}`,
    `fsync ${fsync === undefined ? DASH : printable(fsync)} journal ${formatBytes(n('journal_bytes'))} rss ${formatBytes(n('rss_bytes'))}`,
    `rq ${text(view, 'version')}`,
  ];
}

export function serverLine(view: ServerView, width: number | undefined): string {
  const line = serverLineParts(view).join('  ');
  return width === undefined ? line : truncate(line, width);
}
