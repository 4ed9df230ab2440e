import { describe, expect, it } from 'vitest';
import { appendPoint, HISTORY_MS, sparkline, type QueuePoint } from '../../../src/tui/history.js';

describe('appendPoint', () => {
  it('keeps the last minute only and does not change the old list', () => {
    let points: QueuePoint[] = [];
    for (let t = 0; t <= 120_000; t += 1000) points = appendPoint(points, { at: t, items: t });
    expect(points[0].at).toBe(120_000 - HISTORY_MS);
    expect(points.length).toBe(61);
    const before = points;
    appendPoint(points, { at: 121_000, items: 1 });
    expect(points).toBe(before);
    expect(points.length).toBe(61);
  });
});

describe('sparkline', () => {
  it('is blank before the first poll, lowest for empty, highest for the largest depth', () => {
    const points = [
      { at: 50_000, items: 0 },
      { at: 55_000, items: 5 },
      { at: 59_000, items: 10 },
    ];
    const line = sparkline(points, 60_000, 12);
    expect(line).toHaveLength(12);
    expect(line.slice(0, 10)).toBe('          ');
    expect(line[10]).toBe('▁');
    expect(line.slice(-1)).toBe('█');
  });

  it('repeats the last level across slices without a poll and is exactly `width` wide', () => {
    const line = sparkline(
      [
        { at: 0, items: 4 },
        { at: 59_999, items: 4 },
      ],
      60_000,
      30,
    );
    expect(line).toBe('█'.repeat(30));
    expect(sparkline([], 60_000, 7)).toBe('       ');
    expect(sparkline([{ at: 1, items: 3 }], 60_000, 0)).toBe('');
  });

  it('draws any non-empty queue above an empty one, and ignores points outside the window', () => {
    const line = sparkline(
      [
        { at: 1_000, items: 1 },
        { at: 30_000, items: 10_000 },
        { at: 99_000, items: 99 },
        { at: -5, items: 5 },
      ],
      60_000,
      2,
    );
    expect(line).toBe('▂█');
  });
});
