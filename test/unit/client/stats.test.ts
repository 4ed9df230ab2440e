import { describe, expect, it } from 'vitest';
import { parseStats, sumQueue, type StatsPairs } from '../../../src/client/stats.js';

const FIELDS = ['items', 'open', 'bytes', 'total_items', 'expired_items', 'acked', 'released', 'waiters', 'age_ms'];

/** A queue's pairs as src/server/stats.ts lists them, with values 1, 2, 3, … from `base`. */
function queuePairs(name: string, base = 1): Array<[string, string]> {
  return FIELDS.map((f, i) => [`queue_${name}_${f}`, String(base + i)]);
}

describe('parseStats', () => {
  it('splits general fields from queues, and names every queue field', () => {
    const pairs: StatsPairs = [['pid', '42'], ['version', '0.1.0'], ...queuePairs('jobs')];
    const parsed = parseStats(pairs);
    expect(parsed.general).toEqual({ pid: '42', version: '0.1.0' });
    expect(parsed.queues).toEqual([{
      name: 'jobs', items: 1, open: 2, bytes: 3, totalItems: 4, expiredItems: 5, acked: 6, released: 7, waiters: 8, ageMs: 9,
    }]);
  });

  it('tells queues apart whose names end like field names', () => {
    const names = ['a', 'a_total', 'a_items', 'x_open_age_ms', '_', 'items'];
    const pairs = names.flatMap((n, i) => queuePairs(n, i * 10));
    const parsed = parseStats(pairs);
    expect(parsed.queues.map((q) => q.name)).toEqual(names);
    expect(parsed.queues.map((q) => q.ageMs)).toEqual(names.map((_, i) => i * 10 + 8));
  });

  it('leaves out fields a server does not send, and skips what it cannot place', () => {
    const parsed = parseStats([
      ['queue_q_items', '5'], ['queue_q_open', 'lots'], ['queue_q_future_field', '1'], ['queue_items', '3'], ['queue__items', '4'], ['queue___items', '7'],
    ]);
    expect(parsed.queues).toEqual([{ name: 'q', items: 5 }, { name: '_', items: 7 }]);
  });

  it('sums a queue over servers, taking the oldest age', () => {
    const sum = sumQueue('q', [
      { name: 'q', items: 2, open: 1, ageMs: 50 },
      { name: 'q', items: 3, ageMs: 900 },
    ]);
    expect(sum).toEqual({ name: 'q', items: 5, open: 1, ageMs: 900 });
  });
});
