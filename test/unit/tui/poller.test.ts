/** The poller with time passed in: a manual clock and a scripted source, no sockets, no sleeps. */
import { afterEach, describe, expect, it } from 'vitest';
import { Poller } from '../../../src/tui/poller.js';
import { statsReply } from '../../helpers/tui-fixtures.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';
import { refused, ScriptedSource } from '../../helpers/scripted-source.js';

const A = 'a:1';
const B = 'b:2';
let poller: Poller | null = null;

function make(servers: string[], intervalMs = 1000) {
  const clock = new ManualClock();
  const source = new ScriptedSource();
  poller = new Poller({ servers, source, intervalMs, clock });
  return { clock, source, poller };
}

afterEach(() => {
  poller?.stop();
  poller = null;
});

describe('Poller', () => {
  it('starts with every server connecting and no queues', () => {
    const { poller } = make([A]);
    const s = poller.getSnapshot();
    expect(s.servers.map((v) => v.state)).toEqual(['connecting']);
    expect(s.queues).toEqual([]);
  });

  it('shows counts on the first poll and rates from the second, over the time that passed', async () => {
    const { clock, source, poller } = make([A]);
    const published: number[] = [];
    poller.subscribe(() => published.push(poller.getSnapshot().at));
    source.answer(A, statsReply({}, { jobs: { items: 10, total_items: 10 } }));
    poller.start();
    await settle();
    let q = poller.getSnapshot().queues[0];
    expect(q).toMatchObject({ name: 'jobs', items: 10, enqueue: undefined, dequeue: undefined });
    source.answer(A, statsReply({}, { jobs: { items: 30, total_items: 40, acked: 5, open: 5 } }));
    await clock.advance(1000);
    q = poller.getSnapshot().queues[0];
    expect(q).toMatchObject({ items: 30, enqueue: 30, dequeue: 10, ack: 5 });
    expect(q.history.map((p) => p.items)).toEqual([10, 30]);
    expect(poller.getSnapshot().servers[0]).toMatchObject({ state: 'up', enqueue: 30, ack: 5 });
    expect(published.length).toBe(2);
    expect(source.calls).toEqual([A, A]);
  });

  it('marks a server down with the reason and a retry time, keeps polling the others, and brings it back', async () => {
    const { clock, source, poller } = make([A, B]);
    source.answer(A, statsReply({}, { q: { items: 1 } }));
    source.answer(B, refused());
    poller.start();
    await settle();
    let [a, b] = poller.getSnapshot().servers;
    expect(a.state).toBe('up');
    expect(b).toMatchObject({ state: 'down', error: 'connection refused', retryInMs: 2000 });
    await clock.advance(1000);
    b = poller.getSnapshot().servers[1];
    expect(b.retryInMs).toBe(1000);
    expect(source.calls.filter((c) => c === B)).toHaveLength(1); // not retried before its time
    source.answer(B, statsReply({}, { q: { items: 2 } }));
    await clock.advance(1000);
    b = poller.getSnapshot().servers[1];
    expect(b.state).toBe('up');
    expect(poller.getSnapshot().queues[0]).toMatchObject({ name: 'q', items: 3, servers: [A, B] });
  });

  it('keeps the last seen figures of a down server but counts none of its queues', async () => {
    const { clock, source, poller } = make([A]);
    source.answer(A, statsReply({ curr_connections: 4 }, { q: { items: 9 } }));
    poller.start();
    await settle();
    source.answer(A, refused());
    await clock.advance(1000);
    const s = poller.getSnapshot();
    expect(s.servers[0]).toMatchObject({ state: 'down', lastGoodAt: 1_000_000 });
    expect(s.servers[0].stats?.general.get('curr_connections')).toBe('4');
    expect(s.queues).toEqual([]);
  });

  it('shows no rate across a restart, then rates again', async () => {
    const { clock, source, poller } = make([A]);
    source.answer(A, statsReply({ pid: 1, uptime: 100 }, { q: { total_items: 5000 } }));
    poller.start();
    await settle();
    source.answer(A, statsReply({ pid: 2, uptime: 0 }, { q: { total_items: 3 } }));
    await clock.advance(1000);
    expect(poller.getSnapshot().queues[0].enqueue).toBeUndefined();
    source.answer(A, statsReply({ pid: 2, uptime: 1 }, { q: { total_items: 13 } }));
    await clock.advance(1000);
    expect(poller.getSnapshot().queues[0].enqueue).toBe(10);
  });

  it('gives up on a server that never answers, without holding the others', async () => {
    const { clock, source, poller } = make([A, B]);
    source.answer(A, 'hang');
    source.answer(B, statsReply({}, { q: { items: 1 } }));
    poller.start();
    await settle();
    // B's answer does not wait for A forever: the round ends at the timeout (2 s).
    await clock.advance(2000);
    const [a, b] = poller.getSnapshot().servers;
    expect(a).toMatchObject({ state: 'down', error: 'no reply within 2 s' });
    expect(b.state).toBe('up');
    // While A's request was in flight it was not asked again.
    expect(source.calls.filter((c) => c === A)).toHaveLength(1);
  });

  it('survives a source that throws synchronously and replies that are junk', async () => {
    const { clock, source, poller } = make([A]);
    source.stats = () => {
      throw new TypeError('boom');
    };
    poller.start();
    await settle();
    expect(poller.getSnapshot().servers[0]).toMatchObject({ state: 'down', error: 'boom' });
    source.stats = async () => [
      ['queue_', 'x'],
      ['pid', '\x1b[2J'],
      ['queue_q_items', '-'],
      ['queue_q_open', '1'],
    ];
    await clock.advance(2000);
    const s = poller.getSnapshot();
    expect(s.servers[0].state).toBe('up');
    expect(s.queues[0]).toMatchObject({ name: 'q', items: undefined, open: 1 });
  });

  it('freezes the picture while paused and polls at once on resume', async () => {
    const { clock, source, poller } = make([A]);
    source.answer(A, statsReply({}, { q: { items: 1 } }));
    poller.start();
    await settle();
    poller.setPaused(true);
    const frozen = poller.getSnapshot();
    expect(frozen.paused).toBe(true);
    source.answer(A, statsReply({}, { q: { items: 2 } }));
    await clock.advance(5000);
    expect(poller.getSnapshot()).toBe(frozen);
    expect(source.calls).toHaveLength(1);
    poller.setPaused(false);
    await settle();
    expect(poller.getSnapshot().queues[0].items).toBe(2);
    expect(source.calls).toHaveLength(2);
  });

  it('peeks at the focused queue on the server holding items, without consuming, and reports errors', async () => {
    const { clock, source, poller } = make([A, B]);
    source.answer(A, statsReply({}, { q: { items: 0 } }));
    source.answer(B, statsReply({}, { q: { items: 4 } }));
    source.head = { data: Buffer.from('hello'), flags: 0, id: 7 };
    poller.start();
    await settle();
    poller.focus('q');
    await settle();
    expect(source.peeks).toEqual([[B, 'q']]);
    expect(poller.getSnapshot().head).toMatchObject({ queue: 'q', server: B, item: { id: 7 } });
    source.head = new Error('SERVER_ERROR busy');
    await clock.advance(1000);
    expect(poller.getSnapshot().head).toMatchObject({ queue: 'q', error: 'SERVER_ERROR busy' });
    poller.focus(null);
    await clock.advance(1000);
    expect(source.peeks).toHaveLength(2);
    expect(poller.getSnapshot().head).toBeUndefined();
  });

  it('stops: no more polls or timers', async () => {
    const { clock, source, poller } = make([A]);
    source.answer(A, statsReply({}, {}));
    poller.start();
    await settle();
    poller.stop();
    await clock.advance(10_000);
    expect(source.calls).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
