import { describe, expect, it } from 'vitest';
import { generalNumber, parseStats } from '../../../src/tui/stats-model.js';
import { statsReply } from './fixtures.js';

describe('parseStats', () => {
  it('reads general fields and every queue field', () => {
    const s = parseStats(statsReply({ curr_connections: 3, rss_bytes: 1024 }, { jobs: { items: 5, open: 2, bytes: 50, total_items: 9, acked: 2, age_ms: 1500 } }));
    expect(generalNumber(s, 'curr_connections')).toBe(3);
    expect(s.general.get('version')).toBe('0.1.0');
    expect(s.queues.get('jobs')).toEqual({ items: 5, open: 2, bytes: 50, total_items: 9, expired_items: 0, acked: 2, released: 0, waiters: 0, age_ms: 1500 });
  });

  it('keeps names that contain underscores and field names apart, in either order', () => {
    const figures = { a: { items: 1, total_items: 10 }, a_total: { items: 2, total_items: 20 }, x_expired: { items: 3, expired_items: 4 } };
    for (const order of [['a', 'a_total', 'x_expired'], ['x_expired', 'a_total', 'a']]) {
      const s = parseStats(statsReply({}, Object.fromEntries(order.map((n) => [n, figures[n as keyof typeof figures]]))));
      expect([...s.queues.keys()].sort()).toEqual(['a', 'a_total', 'x_expired']);
      expect(s.queues.get('a')).toMatchObject({ items: 1, total_items: 10 });
      expect(s.queues.get('a_total')).toMatchObject({ items: 2, total_items: 20 });
      expect(s.queues.get('x_expired')).toMatchObject({ items: 3, expired_items: 4 });
    }
  });

  it('leaves missing and non-numeric figures undefined instead of guessing', () => {
    const s = parseStats([['pid', '7'], ['uptime', 'soon'], ['queue_q_items', '12'], ['queue_q_open', 'NaN'], ['queue_q_bytes', '1e9'], ['journal_bytes', '']]);
    expect(generalNumber(s, 'uptime')).toBeUndefined();
    expect(generalNumber(s, 'journal_bytes')).toBeUndefined();
    expect(generalNumber(s, 'fsync')).toBeUndefined();
    expect(s.queues.get('q')).toEqual({ items: 12 });
  });

  it('ignores queue keys with no known field and survives junk', () => {
    const s = parseStats([['queue_', '1'], ['queue__items', '2'], ['queue_q_colour', 'blue'], ['', ''], ['queue_q_items', '3'], ['queue_q_items', '4']]);
    expect(s.queues.get('q')?.items).toBeDefined();
    expect(s.queues.has('')).toBe(false);
    expect(s.general.get('')).toBe('');
  });

  it('reads an empty reply as a server with no queues', () => {
    const s = parseStats([]);
    expect(s.queues.size).toBe(0);
    expect(generalNumber(s, 'pid')).toBeUndefined();
  });
});
