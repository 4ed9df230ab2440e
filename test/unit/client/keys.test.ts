import { describe, expect, it } from 'vitest';
import { ackIdKey, ackOldestKey, peekKey, QueueNameError, releaseIdKey, releaseOldestKey, reserveKey, wireName } from '../../../src/client/keys.js';
import { MAX_LEASE_MS, MAX_WAIT_MS, parseDeleteKey, parseKey } from '../../../src/protocol/key.js';

describe('the keys the client sends', () => {
  it('mean to the server what the client means', () => {
    expect(parseKey(reserveKey('q'))).toMatchObject({ queue: 'q', open: true, close: false, waitMs: 0, leaseMs: 0 });
    expect(parseKey(reserveKey('q', { ack: true }))).toMatchObject({ open: true, close: true });
    expect(parseKey(reserveKey('q', { ack: true, waitMs: 250.4 }))).toMatchObject({ open: true, close: true, waitMs: 251 });
    expect(parseKey(reserveKey('q', { waitMs: 1e12 }))).toMatchObject({ waitMs: MAX_WAIT_MS });
    expect(parseKey(reserveKey('q', { leaseMs: 30_000, waitMs: 5 }))).toMatchObject({ open: true, leaseMs: 30_000, waitMs: 5 });
    expect(parseKey(reserveKey('q', { leaseMs: 0.2 }))).toMatchObject({ leaseMs: 1 });
    expect(parseKey(reserveKey('q', { leaseMs: 1e15 }))).toMatchObject({ leaseMs: MAX_LEASE_MS });
    expect(parseKey(ackOldestKey('q'))).toMatchObject({ close: true, open: false });
    expect(parseKey(releaseOldestKey('q'))).toMatchObject({ abort: true, open: false });
    expect(parseKey(peekKey('q'))).toMatchObject({ peek: true, open: false });
    expect(parseDeleteKey(ackIdKey('q', 42))).toEqual({ queue: 'q', abort: false, id: 42, delayMs: 0 });
    expect(parseDeleteKey(releaseIdKey('q', 2 ** 53 - 1))).toEqual({ queue: 'q', abort: true, id: 2 ** 53 - 1, delayMs: 0 });
  });

  it('send a queue name as its UTF-8 bytes, and refuse names the server would', () => {
    expect(wireName('café')).toBe(Buffer.from('café').toString('latin1'));
    expect(Buffer.from(wireName('café'), 'latin1').toString('utf8')).toBe('café');
    for (const bad of ['', 'a b', 'a/b', 'tab\t', 'x'.repeat(251), 'é'.repeat(126)]) {
      expect(() => wireName(bad)).toThrow(QueueNameError);
    }
    expect(wireName('é'.repeat(125))).toHaveLength(250);
  });
});
