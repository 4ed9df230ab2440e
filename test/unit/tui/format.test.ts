import { describe, expect, it } from 'vitest';
import {
  DASH,
  fit,
  formatBytes,
  formatCount,
  formatDuration,
  formatRate,
  formatSeconds,
  formatUptime,
  printable,
  truncate,
} from '../../../src/tui/format.js';
import { describeError } from '../../../src/tui/describe-error.js';
import { describeItem, previewData } from '../../../src/tui/preview.js';

describe('formatting', () => {
  it('writes unknown figures as a dash', () => {
    for (const f of [formatCount, formatRate, formatBytes, formatDuration]) expect(f(undefined)).toBe(DASH);
  });
  it('keeps counts, rates, bytes and durations within their columns', () => {
    expect(formatCount(999_999)).toBe('999999');
    expect(formatCount(1_234_567)).toBe('1.2M');
    expect(formatCount(98_765_432_100)).toBe('99G');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(2.345)).toBe('2.3');
    expect(formatRate(1234.4)).toBe('1234');
    expect(formatRate(250_000)).toBe('250k');
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(1536)).toBe('1.5K');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0G');
    expect(formatDuration(340)).toBe('340ms');
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(3 * 3600_000 + 2 * 60_000)).toBe('3h02m');
    expect(formatDuration(50 * 3600_000)).toBe('2d02h');
    expect(formatSeconds(1500)).toBe('2 s');
    expect(formatUptime(0)).toBe('0s');
    expect(formatUptime(61)).toBe('1m01s');
    expect(formatSeconds(-3)).toBe('0 s');
    for (const n of [0, 5, 99_999, 1e6, 1e9, 1e15]) expect(formatCount(n).length).toBeLessThanOrEqual(6);
    for (const n of [0.01, 9.99, 99_999, 1e6, 1e12]) expect(formatRate(n).length).toBeLessThanOrEqual(7);
  });
  it('truncates with an ellipsis and never wraps', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('abc', 1)).toBe('…');
    expect(truncate('abc', 0)).toBe('');
    expect(fit('ab', 4, 'right')).toBe('  ab');
    expect(fit('abcdef', 4)).toBe('abc…');
  });
  it('makes server text unable to drive the terminal', () => {
    expect(printable('q\x1b[2J\x9b31m\x07')).toBe('q?[2J?31m?');
    expect(printable('jobs.é')).toBe('jobs.é');
  });
});

describe('describeError', () => {
  it('names common socket errors in words', () => {
    expect(describeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(
      'connection refused',
    );
    expect(describeError(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe('unknown host');
  });
  it('cuts and cleans other messages, whatever was thrown', () => {
    expect(describeError(new Error('SERVER_ERROR \x1b' + 'x'.repeat(500))).length).toBeLessThanOrEqual(80);
    expect(describeError(new Error('SERVER_ERROR \x1bboom'))).toBe('SERVER_ERROR ?boom');
    expect(describeError('a string')).toBe('a string');
    expect(describeError(null)).toBe('null');
    expect(describeError(new Error(''))).toBe('unknown error');
  });
});

describe('previewData', () => {
  it('shows UTF-8 text with escapes for control characters', () => {
    expect(previewData(Buffer.from('héllo\n\tworld\\'), 40)).toBe('héllo\\n\\tworld\\\\');
  });
  it('shows binary data as escapes and cuts to the width', () => {
    expect(previewData(Buffer.from([0xff, 0x00, 0x41]), 40)).toBe('\\xff\\x00A');
    expect(previewData(Buffer.alloc(10_000, 0x61), 10)).toBe('aaaaaaaaa…');
  });
  it('describes the item', () => {
    expect(describeItem({ id: 42, flags: 3, data: Buffer.alloc(2048) })).toBe('id 42 · flags 3 · 2.0K');
    expect(describeItem({ id: 42, flags: 3, deliveries: 4, data: Buffer.alloc(2) })).toBe('id 42 · flags 3 · delivered 4× · 2B');
    expect(describeItem({ id: 42, flags: 3, deliveries: 0, data: Buffer.alloc(2) })).toBe('id 42 · flags 3 · 2B');
  });
});
