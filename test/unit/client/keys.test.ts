import { describe, expect, it } from 'vitest';
import {
  ackIdKey,
  ackOldestKey,
  deliveriesOf,
  peekKey,
  QueueNameError,
  releaseIdKey,
  releaseOldestKey,
  reserveKey,
  setKey,
  touchKey,
  wireName,
} from '../../../src/client/keys.js';
import {
  MAX_DELAY_MS,
  MAX_LEASE_MS,
  MAX_WAIT_MS,
  parseDeleteKey,
  parseKey,
  parseSetKey,
  parseTouchKey,
} from '../../../src/protocol/key.js';

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
    expect(parseDeleteKey(ackIdKey('q', 42))).toEqual({ queue: 'q', abort: false, id: 42, delayMs: 0, outcome: false });
    expect(parseDeleteKey(releaseIdKey('q', 2 ** 53 - 1))).toEqual({
      queue: 'q',
      abort: true,
      id: 2 ** 53 - 1,
      delayMs: 0,
      outcome: true,
    });
    expect(parseDeleteKey(releaseIdKey('q', 7, 10_000.6))).toEqual({
      queue: 'q',
      abort: true,
      id: 7,
      delayMs: 10_001,
      outcome: true,
    });
    expect(parseDeleteKey(releaseIdKey('q', 7, 1e15))).toMatchObject({ delayMs: MAX_DELAY_MS });
    expect(parseSetKey(setKey('q'))).toEqual({ queue: 'q', delayMs: 0 });
    expect(parseSetKey(setKey('q', 30_000))).toEqual({ queue: 'q', delayMs: 30_000 });
    expect(parseSetKey(setKey('q', 1e15))).toEqual({ queue: 'q', delayMs: MAX_DELAY_MS });
    expect(parseTouchKey(touchKey('q', 42, 0.2))).toEqual({ queue: 'q', id: 42, leaseMs: 1 });
    expect(parseTouchKey(touchKey('q', 42, 1e15))).toEqual({ queue: 'q', id: 42, leaseMs: MAX_LEASE_MS });
    // Every reservation and peek asks for the delivery count.
    for (const key of [reserveKey('q'), reserveKey('q', { ack: true, waitMs: 5, leaseMs: 10 }), peekKey('q')]) {
      expect(parseKey(key)).toMatchObject({ deliveries: true });
    }
  });

  it("ask for a delay, a lease and the delivery count in whole ms, within the server's limits", () => {
    expect(setKey('q')).toBe('q');
    expect(setKey('q', 0)).toBe('q');
    expect(setKey('q', 1500.4)).toBe('q/delay=1500');
    expect(setKey('q', 1e15)).toBe(`q/delay=${MAX_DELAY_MS}`);
    expect(releaseIdKey('q', 7)).toBe('q/abort/id=7/outcome');
    expect(releaseIdKey('q', 7, 10_000)).toBe('q/abort/id=7/delay=10000/outcome');
    expect(touchKey('q', 7, 0.2)).toBe('q/id=7/lease=1');
    expect(touchKey('q', 7, 30_000)).toBe('q/id=7/lease=30000');
    expect(reserveKey('q', { waitMs: 5 })).toBe('q/open/t=5/deliveries');
    expect(peekKey('q')).toBe('q/peek/deliveries');
  });

  it("read the delivery count from a reply's key, and nothing from a key without one", () => {
    const of = (key: string) => deliveriesOf(Buffer.from(key, 'latin1'));
    expect(of('q/open/deliveries=3')).toBe(3);
    expect(of('q/close/open/t=5/deliveries=1')).toBe(1);
    expect(of('q/peek/deliveries=0')).toBe(0);
    expect(of('q/open/deliveries=120')).toBe(120);
    expect(of('q/open/deliveries=999999999999999')).toBe(999999999999999);
    expect(of('q/open/deliveries=1000000000000000')).toBeNull(); // 16 digits: no count a server sends
    expect(of('q/open/deliveries')).toBeNull();
    expect(of('q/open/deliveries=')).toBeNull();
    expect(of('q/open')).toBeNull();
    expect(of('q/open/deliveries=x')).toBeNull();
    expect(of('q/open/xdeliveries=3')).toBeNull();
    expect(of('deliveries=3')).toBeNull();
    expect(of('3')).toBeNull();
    expect(of('')).toBeNull();
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
