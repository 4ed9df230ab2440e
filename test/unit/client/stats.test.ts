/**
 * The one `stats` parser (src/client/stats.ts), as `rq inspect` and `rq top` read it: general
 * fields kept as sent, queues whose names contain `_` or end like field names, fields a server
 * does not send or sends as junk, and sums over servers.
 */
import { describe, expect, it } from 'vitest';
import { generalNumber, parseStats, sumQueue, type StatsPairs } from '../../../src/client/stats.js';
import { statsReply } from '../../helpers/tui-fixtures.js';

const FIELDS = ['items', 'open', 'bytes', 'total_items', 'expired_items', 'acked', 'released', 'waiters', 'age_ms'];

/** A queue's pairs as src/server/stats.ts lists them, with values 1, 2, 3, … from `base`. */
function queuePairs(name: string, base = 1): Array<[string, string]> {
  return FIELDS.map((f, i) => [`queue_${name}_${f}`, String(base + i)]);
}

describe('parseStats', () => {
  it('splits general fields from queues, and names every queue field', () => {
    const pairs: StatsPairs = [['pid', '42'], ['version', '0.1.0'], ...queuePairs('jobs')];
    const parsed = parseStats(pairs);
    expect([...parsed.general]).toEqual([
      ['pid', '42'],
      ['version', '0.1.0'],
    ]);
    expect([...parsed.queues.values()]).toEqual([
      {
        name: 'jobs',
        items: 1,
        open: 2,
        bytes: 3,
        totalItems: 4,
        expiredItems: 5,
        acked: 6,
        released: 7,
        waiters: 8,
        ageMs: 9,
      },
    ]);
  });

  it('keeps every general field as sent, journal fields and fields it has never heard of included', () => {
    const s = parseStats([
      ['journal_fsync', 'always'],
      ['journal_bytes', '4096'],
      ['journal_state', 'failed: EIO'],
      ['colour', 'blue'],
      ['__proto__', '1'],
    ]);
    expect(s.general.get('journal_fsync')).toBe('always');
    expect(generalNumber(s, 'journal_bytes')).toBe(4096);
    expect(s.general.get('journal_state')).toBe('failed: EIO');
    expect(s.general.get('colour')).toBe('blue');
    expect(s.general.get('__proto__')).toBe('1');
    expect(s.queues.size).toBe(0);
  });

  it('tells queues apart whose names end like field names', () => {
    const names = ['a', 'a_total', 'a_items', 'x_open_age_ms', '_', 'items', '__proto__'];
    const pairs = names.flatMap((n, i) => queuePairs(n, i * 10));
    const parsed = parseStats(pairs);
    expect([...parsed.queues.keys()]).toEqual(names);
    expect([...parsed.queues.values()].map((q) => q.ageMs)).toEqual(names.map((_, i) => i * 10 + 8));
  });

  it('keeps names that contain underscores and field names apart, in either order of queues', () => {
    const figures = {
      a: { items: 1, total_items: 10 },
      a_total: { items: 2, total_items: 20 },
      x_expired: { items: 3, expired_items: 4 },
    };
    for (const order of [
      ['a', 'a_total', 'x_expired'],
      ['x_expired', 'a_total', 'a'],
    ]) {
      const s = parseStats(statsReply({}, Object.fromEntries(order.map((n) => [n, figures[n as keyof typeof figures]]))));
      expect([...s.queues.keys()].sort()).toEqual(['a', 'a_total', 'x_expired']);
      expect(s.queues.get('a')).toMatchObject({ items: 1, totalItems: 10 });
      expect(s.queues.get('a_total')).toMatchObject({ items: 2, totalItems: 20 });
      expect(s.queues.get('x_expired')).toMatchObject({ items: 3, expiredItems: 4 });
    }
  });

  it('places a queue whose fields do not start with items by the field name it ends with, items first', () => {
    const s = parseStats([
      ['queue_q_open', '1'],
      ['queue_q_age_ms', '7'],
      ['queue_r_total_items', '9'],
    ]);
    expect([...s.queues.values()]).toEqual([
      { name: 'q', open: 1, ageMs: 7 },
      { name: 'r_total', items: 9 },
    ]);
  });

  it('leaves out fields a server does not send or sends as junk, and skips what it cannot place', () => {
    const parsed = parseStats([
      ['queue_q_items', '5'],
      ['queue_q_open', 'lots'],
      ['queue_q_bytes', '1e9'],
      ['queue_q_future_field', '1'],
      ['queue_items', '3'],
      ['queue__items', '4'],
      ['queue_', '1'],
      ['queue___items', '7'],
      ['queue_r_colour', 'blue'],
    ]);
    expect([...parsed.queues.values()]).toEqual([
      { name: 'q', items: 5 },
      { name: '_', items: 7 },
    ]);
    expect(parsed.general.size).toBe(0);
  });

  it('reads a queue listed twice as one queue with the later figures', () => {
    const s = parseStats([
      ['queue_q_items', '3'],
      ['queue_q_items', '4'],
      ['', ''],
    ]);
    expect([...s.queues.values()]).toEqual([{ name: 'q', items: 4 }]);
    expect(s.general.get('')).toBe('');
  });

  it('reads an empty reply as a server with no queues', () => {
    const s = parseStats([]);
    expect(s.queues.size).toBe(0);
    expect(generalNumber(s, 'pid')).toBeUndefined();
  });
});

describe('generalNumber', () => {
  it('gives a number only for a numeric field', () => {
    const s = parseStats([
      ['pid', '7'],
      ['uptime', 'soon'],
      ['journal_bytes', ''],
      ['rusage', '0.5'],
    ]);
    expect(generalNumber(s, 'pid')).toBe(7);
    expect(generalNumber(s, 'rusage')).toBe(0.5);
    expect(generalNumber(s, 'uptime')).toBeUndefined();
    expect(generalNumber(s, 'journal_bytes')).toBeUndefined();
    expect(generalNumber(s, 'fsync')).toBeUndefined();
    expect(generalNumber(undefined, 'pid')).toBeUndefined();
  });
});

describe('sumQueue', () => {
  it('sums a queue over servers, taking the oldest age', () => {
    const sum = sumQueue('q', [
      { name: 'q', items: 2, open: 1, ageMs: 50 },
      { name: 'q', items: 3, ageMs: 900 },
    ]);
    expect(sum).toEqual({ name: 'q', items: 5, open: 1, ageMs: 900 });
  });
});
