/** How rq pop and rq peek print items: byte for byte to files and pipes, escaped to a terminal, JSON by the contract. */
import { describe, expect, it } from 'vitest';
import type { Item } from '../../../../src/client/item.js';
import { formatItems, itemJson } from '../../../../src/cli/output/items.js';
import { jsonLine, snakeKeys } from '../../../../src/cli/output/json.js';

const item = (data: Buffer | string, id = 7): Item => ({
  queue: 'q',
  id,
  data: Buffer.isBuffer(data) ? data : Buffer.from(data),
  flags: 3,
  server: '127.0.0.1:22133',
  deliveries: 2,
});

describe('printing items', () => {
  it('ends each item with a newline, a NUL, or nothing', () => {
    const items = [item('a'), item('b\nc')];
    expect(formatItems(items, 'lines').toString()).toBe('a\nb\nc\n');
    expect(formatItems(items, 'nul').toString()).toBe('a\0b\nc\0');
    expect(formatItems(items, 'raw').toString()).toBe('ab\nc');
  });

  it('keeps binary data byte for byte outside JSON and away from a terminal', () => {
    const bytes = Buffer.from([0, 0xff, 0x0a, 0x80, 0x1b]);
    expect(formatItems([item(bytes)], 'raw').equals(bytes)).toBe(true);
    expect(formatItems([item(bytes)], 'lines').equals(Buffer.concat([bytes, Buffer.from('\n')]))).toBe(true);
  });

  it('escapes control bytes for a terminal, so that an item cannot steer it and stays one line', () => {
    const escape = '\x1b]0;owned\x07\x1b[2J';
    expect(formatItems([item(`a${escape}b\nc\\d`)], 'lines', { terminal: true }).toString()).toBe(
      'a\\x1b]0;owned\\x07\\x1b[2Jb\\nc\\\\d\n',
    );
    expect(formatItems([item('caf\u00e9 \u009b1m')], 'raw', { terminal: true }).toString()).toBe('café \\x9b1m');
    expect(formatItems([item(Buffer.from([0xff, 0x41, 0x07]))], 'nul', { terminal: true }).toString()).toBe('\\xffA\\x07\0');
  });

  it('writes one JSON object per line, data as UTF-8 text or else base64, with the delivery count', () => {
    const lines = formatItems([item('héllo'), item(Buffer.from([0xff, 0xfe]), 8)], 'json', { extra: () => ({ leaseMs: 5000 }) })
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      {
        queue: 'q',
        id: 7,
        server: '127.0.0.1:22133',
        flags: 3,
        deliveries: 2,
        bytes: 6,
        encoding: 'utf8',
        data: 'héllo',
        lease_ms: 5000,
      },
      {
        queue: 'q',
        id: 8,
        server: '127.0.0.1:22133',
        flags: 3,
        deliveries: 2,
        bytes: 2,
        encoding: 'base64',
        data: '//4=',
        lease_ms: 5000,
      },
    ]);
    expect(Buffer.from(itemJson(item(Buffer.from([0xff]))).data as string, 'base64')).toEqual(Buffer.from([0xff]));
  });
});

describe('the JSON contract', () => {
  it('names every key in snake_case, at every depth, leaving values alone', () => {
    expect(snakeKeys({ totalItems: 1, ageMs: 2, queues: [{ expiredItems: 3, name: 'myQueue' }], already_snake: null })).toEqual({
      total_items: 1,
      age_ms: 2,
      queues: [{ expired_items: 3, name: 'myQueue' }],
      already_snake: null,
    });
  });

  it('writes one line, with DEL and the C1 controls escaped as JSON escapes (the same value)', () => {
    const line = jsonLine({ data: 'a\u009b\u007fb\n' });
    expect(line).toBe('{"data":"a\\u009b\\u007fb\\n"}\n');
    expect(JSON.parse(line)).toEqual({ data: 'a\u009b\u007fb\n' });
  });
});
