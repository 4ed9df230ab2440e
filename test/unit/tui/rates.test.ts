import { describe, expect, it } from 'vitest';
import { counterRate, sameRun, sampleRates, sumRates } from '../../../src/tui/rates.js';
import { parseStats } from '../../../src/client/stats.js';
import { statsReply, type WireFigures } from '../../helpers/tui-fixtures.js';

const sample = (at: number, queues: Record<string, WireFigures>, general: Record<string, string | number> = {}) => ({
  at,
  stats: parseStats(statsReply(general, queues)),
});

describe('counterRate', () => {
  it('is the change per second', () => {
    expect(counterRate(100, 350, 500)).toBe(500);
    expect(counterRate(5, 5, 1000)).toBe(0);
  });
  it('has no answer for a counter that went down, a missing reading or no time passed', () => {
    expect(counterRate(100, 3, 1000)).toBeUndefined();
    expect(counterRate(undefined, 3, 1000)).toBeUndefined();
    expect(counterRate(1, undefined, 1000)).toBeUndefined();
    expect(counterRate(1, 2, 0)).toBeUndefined();
    expect(counterRate(1, 2, -5)).toBeUndefined();
  });
});

describe('sampleRates', () => {
  it('gives no rates on the first sample: counts only, never invented numbers', () => {
    const r = sampleRates(undefined, sample(1000, { q: { total_items: 500 } }));
    expect(r.get('q')).toEqual({});
  });

  it('computes enqueue, dequeue (acked + released + open), ack and expiry rates over the elapsed time', () => {
    const a = sample(10_000, { q: { total_items: 100, acked: 40, released: 2, open: 3, expired_items: 1 } });
    const b = sample(12_000, { q: { total_items: 300, acked: 130, released: 4, open: 5, expired_items: 5 } });
    expect(sampleRates(a, b).get('q')).toEqual({ enqueue: 100, dequeue: 47, ack: 45, expired: 2 });
  });

  it('counts a queue created between samples from zero', () => {
    const a = sample(0, {});
    const b = sample(1000, { fresh: { total_items: 7, acked: 1, open: 1 } });
    expect(sampleRates(a, b).get('fresh')).toEqual({ enqueue: 7, dequeue: 2, ack: 1, expired: 0 });
  });

  it('never goes negative across a restart: same pid with uptime going back, or a new pid', () => {
    const before = sample(0, { q: { total_items: 1000, acked: 900 } }, { pid: 1, uptime: 500 });
    const restarted = sample(1000, { q: { total_items: 10, acked: 5 } }, { pid: 2, uptime: 1 });
    expect(sameRun(before.stats, restarted.stats)).toBe(false);
    expect(sampleRates(before, restarted).get('q')).toEqual({});
    const samePidLowerUptime = sample(1000, { q: { total_items: 2000 } }, { pid: 1, uptime: 3 });
    expect(sampleRates(before, samePidLowerUptime).get('q')).toEqual({});
  });

  it('gives no rate for a counter that fell within one run (a dropped and recreated queue)', () => {
    const a = sample(0, { q: { total_items: 50, acked: 50 } });
    const b = sample(1000, { q: { total_items: 3, acked: 0 } });
    const r = sampleRates(a, b).get('q')!;
    expect(r.enqueue).toBeUndefined();
    expect(r.ack).toBeUndefined();
    for (const v of Object.values(r)) if (v !== undefined) expect(v).toBeGreaterThanOrEqual(0);
  });
});

describe('sumRates', () => {
  it('adds what is known and is unknown only when nothing is', () => {
    expect(sumRates([1, undefined, 2])).toBe(3);
    expect(sumRates([undefined, undefined])).toBeUndefined();
    expect(sumRates([])).toBeUndefined();
  });
});
