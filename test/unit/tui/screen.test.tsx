/** The screen from fixed snapshots, rendered by Ink into a fake terminal (ink-testing-library). */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Screen } from '../../../src/tui/components/Screen.js';
import { INITIAL_UI, type UiState } from '../../../src/tui/keys.js';
import type { QueueRow, Snapshot } from '../../../src/tui/snapshot.js';
import { visibleRows } from '../../../src/tui/view.js';
import { row, snapshot, upServer } from '../../helpers/tui-fixtures.js';

const unmounts: Array<() => void> = [];
afterEach(() => {
  for (const u of unmounts.splice(0)) u();
});

/** Renders the screen and returns its lines without colour codes. */
function draw(snap: Snapshot, size: { columns: number; rows: number }, ui: Partial<UiState> = {}): string[] {
  const state = { ...INITIAL_UI, ...ui };
  const queues = visibleRows(snap.queues, state.filter, state.sort);
  const selected = state.selected ?? queues[0]?.name ?? null;
  const app = render(
    <Screen snapshot={snap} ui={state} queues={queues} selected={selected} columns={size.columns} rows={size.rows} />,
  );
  unmounts.push(app.unmount);
  return (app.lastFrame() ?? '')
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trimEnd());
}

const down = {
  address: '10.0.0.9:22133',
  state: 'down' as const,
  error: 'connection refused',
  retryInMs: 1200,
  lastGoodAt: new Date(2026, 0, 1, 12, 3, 4).getTime(),
};

describe('Screen', () => {
  it('shows a server that is down, with the reason and the retry countdown', () => {
    const lines = draw(snapshot({ servers: [down] }), { columns: 100, rows: 20 });
    expect(lines[0]).toBe('✗ 10.0.0.9:22133  down: connection refused, retrying in 2 s  last seen 12:03:04');
    expect(lines.join('\n')).toContain('(no queues)');
    expect(lines.at(-1)).toContain('1 of 1 server down');
  });

  it('shows an empty server: its figures, the table header and no rows', () => {
    const server = upServer('127.0.0.1:22133', {
      uptime: 3723,
      curr_connections: 2,
      curr_items: 0,
      open_items: 0,
      rss_bytes: 50 * 1024 * 1024,
    });
    const lines = draw(snapshot({ servers: [server] }), { columns: 120, rows: 20 });
    expect(lines[0]).toBe(
      '● 127.0.0.1:22133  up 1h02m  enq –/s deq –/s ack –/s  items 0 open 0  conns 2  fsync – journal – rss 50M  rq 0.1.0',
    );
    expect(lines[2]).toMatch(/^QUEUE/);
    expect(lines[3]).toBe('(no queues)');
    expect(lines.at(-1)).toMatch(/^every 1 s · last poll \d\d:\d\d:\d\d · sort depth · 0 queues · \? keys$/);
  });

  it('fits 200 queues into a small terminal: one screen high, selected row visible, nothing wrapped', () => {
    const queues: QueueRow[] = Array.from({ length: 200 }, (_, i) =>
      row(`queue-${String(i).padStart(3, '0')}`, { items: i, enqueue: i / 10 }),
    );
    const size = { columns: 60, rows: 12 };
    const lines = draw(snapshot({ queues }), size, { sort: 'name', selected: 'queue-150' });
    expect(lines.length).toBeLessThanOrEqual(size.rows - 1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(size.columns);
    expect(lines.some((l) => l.startsWith('queue-150'))).toBe(true);
    expect(lines.at(-1)).toContain('200 queues');
  });

  it('truncates names in a narrow terminal instead of wrapping, dropping columns', () => {
    const queues = [row('a-really-long-queue-name-from-a-naming-scheme-gone-wild', { items: 42, enqueue: 3 })];
    const lines = draw(snapshot({ queues }), { columns: 32, rows: 10 });
    const body = lines.find((l) => l.startsWith('a-really'))!;
    expect(body).toMatch(/^a-really-long-q…\s+42\s+3\.0$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(32);
    expect(lines.length).toBeLessThanOrEqual(9);
  });

  it('filters and reports how many queues are shown', () => {
    const lines = draw(
      snapshot({ queues: [row('emails'), row('jobs'), row('mail-retry')] }),
      { columns: 100, rows: 20 },
      { filter: 'mail' },
    );
    expect(lines.filter((l) => /^(emails|jobs|mail-retry)\b/.test(l)).map((l) => l.split(' ')[0])).toEqual([
      'emails',
      'mail-retry',
    ]);
    expect(lines.at(-1)).toContain('2 of 3 queues · filter "mail"');
  });

  it('shows the detail of a queue with its head item and recent polls', () => {
    const history = [1, 2, 3].map((i) => ({
      at: 1_000_000 - (3 - i) * 1000,
      items: i * 10,
      open: 1,
      enqueue: 5,
      dequeue: 4,
      ack: 4,
      ageMs: 1500,
    }));
    const q = row('jobs', { items: 30, open: 1, totalItems: 99, acked: 60, enqueue: 5, history });
    const snap = snapshot({
      queues: [q],
      head: {
        queue: 'jobs',
        server: '127.0.0.1:22133',
        item: { id: 12, flags: 0, data: Buffer.from('{"task":1}\n') },
        at: 1_000_000,
      },
    });
    const lines = draw(snap, { columns: 80, rows: 24 }, { view: 'detail', selected: 'jobs' });
    const text = lines.join('\n');
    expect(text).toContain('queue jobs');
    expect(text).toContain('ready 30  open 1');
    expect(text).toContain('enqueued 99  acked 60');
    expect(text).toContain('head item (peek, not consumed) on 127.0.0.1:22133: id 12 · flags 0 · 11B');
    expect(text).toContain('  {"task":1}\\n');
    expect(lines.filter((l) => /^\d\d:\d\d:\d\d\s+\d+/.test(l))).toHaveLength(3);
    expect(lines.length).toBeLessThanOrEqual(23);
  });

  it('shows in the detail how many items a full queue dropped and refused', () => {
    const q = row('jobs', { items: 3, discarded: 4, rejected: 5 });
    const text = draw(snapshot({ queues: [q] }), { columns: 120, rows: 24 }, { view: 'detail', selected: 'jobs' }).join('\n');
    expect(text).toContain('discarded 4  rejected 5');
  });

  it('shows the keys on ?', () => {
    const text = draw(snapshot(), { columns: 80, rows: 20 }, { view: 'help' }).join('\n');
    expect(text).toContain('rq top: keys');
    expect(text).toMatch(/q, Ctrl-C\s+quit/);
  });

  it('marks a paused screen', () => {
    expect(draw(snapshot({ paused: true }), { columns: 100, rows: 10 }, { paused: true }).at(-1)).toContain('PAUSED (p resumes)');
  });
});
