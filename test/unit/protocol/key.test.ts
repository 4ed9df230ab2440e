/** Queue keys and their options (docs/protocol.md: Keys and options): every option, combination and limit. */
import { describe, expect, it } from 'vitest';
import {
  KeyError,
  MAX_DELAY_MS,
  MAX_LEASE_MS,
  MAX_QUEUE_NAME_BYTES,
  MAX_WAIT_MS,
  parseDeleteKey,
  parseKey,
  parseKeyCached,
  parseSetKey,
  parseTouchKey,
  queueNameError,
  type KeyOptions,
} from '../../../src/protocol/key.js';

const base: KeyOptions = {
  queue: 'q',
  open: false,
  close: false,
  abort: false,
  peek: false,
  waitMs: 0,
  leaseMs: 0,
  id: -1,
  delayMs: 0,
  deliveries: false,
  plain: false,
};
const opts = (o: Partial<KeyOptions>): KeyOptions => ({ ...base, ...o });

describe('parseKey: valid keys', () => {
  const cases: Array<[string, KeyOptions]> = [
    ['q', opts({ open: true, plain: true })],
    ['q/open', opts({ open: true })],
    ['q/close', opts({ close: true })],
    ['q/abort', opts({ abort: true })],
    ['q/peek', opts({ peek: true })],
    ['q/t=500', opts({ open: true, waitMs: 500 })],
    ['q/t=0', opts({ open: true, waitMs: 0 })],
    [`q/t=${MAX_WAIT_MS}`, opts({ open: true, waitMs: MAX_WAIT_MS })],
    ['q/lease=30000', opts({ open: true, leaseMs: 30000 })],
    ['q/lease=1', opts({ open: true, leaseMs: 1 })],
    [`q/lease=${MAX_LEASE_MS}`, opts({ open: true, leaseMs: MAX_LEASE_MS })],
    ['q/close/open', opts({ close: true, open: true })],
    ['q/open/close', opts({ close: true, open: true })],
    ['q/close/open/t=500', opts({ close: true, open: true, waitMs: 500 })],
    ['q/close/t=500/open', opts({ close: true, open: true, waitMs: 500 })],
    ['q/open/t=10/lease=20', opts({ open: true, waitMs: 10, leaseMs: 20 })],
    ['q/close/open/lease=20', opts({ close: true, open: true, leaseMs: 20 })],
    ['q/peek/t=100', opts({ peek: true, waitMs: 100 })],
    ['q/close/id=42', opts({ close: true, id: 42 })],
    ['q/abort/id=42', opts({ abort: true, id: 42 })],
    ['q/id=42/close/open', opts({ close: true, open: true, id: 42 })],
    [`q/close/id=${Number.MAX_SAFE_INTEGER}`, opts({ close: true, id: Number.MAX_SAFE_INTEGER })],
    ['q/t=007', opts({ open: true, waitMs: 7 })],
    ['q/abort/delay=30000', opts({ abort: true, delayMs: 30000 })],
    ['q/abort/id=42/delay=0', opts({ abort: true, id: 42 })],
    [`q/delay=${MAX_DELAY_MS}/abort`, opts({ abort: true, delayMs: MAX_DELAY_MS })],
    ['q/deliveries', opts({ open: true, deliveries: true })],
    ['q/open/deliveries', opts({ open: true, deliveries: true })],
    ['q/peek/deliveries', opts({ peek: true, deliveries: true })],
    ['q/close/open/lease=50/deliveries', opts({ close: true, open: true, leaseMs: 50, deliveries: true })],
  ];
  for (const [key, expected] of cases) {
    it(key.length > 60 ? key.slice(0, 60) + '…' : key, () => {
      expect(parseKey(key)).toEqual(expected);
    });
  }

  it('keeps the queue name byte for byte (latin1), including high bytes of UTF-8 names', () => {
    const name = Buffer.from('köln-jobs', 'utf8').toString('latin1');
    expect(parseKey(`${name}/peek`).queue).toBe(name);
    expect(parseKey(name).queue).toBe(name);
  });

  it('accepts punctuation that memcache keys allow', () => {
    for (const name of ['a.b', 'a:b', 'a-b_c', 'q=1', '~!@#$%^&*()[]{}<>?,;\'"|\\`+']) {
      expect(parseKey(name).queue).toBe(name);
    }
  });
});

describe('parseKey: refused keys', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty queue name/],
    ['/open', /empty queue name/],
    ['q/', /unknown option ""/],
    ['q//open', /unknown option ""/],
    ['q/opne', /unknown option "opne"/],
    ['q/OPEN', /unknown option "OPEN"/],
    ['q/timeout=5', /unknown option "timeout"/],
    ['q/open/open', /option open given twice/],
    ['q/t=1/t=2', /option t given twice/],
    ['q/close/close', /option close given twice/],
    ['q/t', /option t needs =<value>/],
    ['q/lease', /option lease needs =<value>/],
    ['q/id', /option id needs =<value>/],
    ['q/open=1', /option open takes no value/],
    ['q/peek=', /option peek takes no value/],
    ['q/t=', /t= needs a whole number of milliseconds/],
    ['q/t=-1', /t= needs a whole number/],
    ['q/t=1.5', /t= needs a whole number/],
    ['q/t=1e3', /t= needs a whole number/],
    ['q/t=12345678901', /t= needs a whole number/],
    [`q/t=${MAX_WAIT_MS + 1}`, /t= is larger than/],
    [`q/lease=${MAX_LEASE_MS + 1}`, /lease= is larger than/],
    ['q/lease=0', /lease= must be at least 1 ms/],
    ['q/lease=x', /lease= needs a whole number/],
    ['q/id=0', /id= is out of range/],
    ['q/close/id=', /id= needs an item id/],
    ['q/close/id=-3', /id= needs an item id/],
    ['q/close/id=99999999999999999', /id= needs an item id|out of range/],
    ['q/close/id=9007199254740993', /id= is out of range/],
    ['q/peek/open', /peek cannot be combined/],
    ['q/peek/close', /peek cannot be combined/],
    ['q/peek/abort', /peek cannot be combined/],
    ['q/abort/open', /abort cannot be combined with open or close/],
    ['q/abort/close', /abort cannot be combined with open or close/],
    ['q/close/t=100', /t= needs open or peek/],
    ['q/abort/t=100', /t= needs open or peek|abort/],
    ['q/peek/lease=100', /lease= needs open/],
    ['q/close/lease=100', /lease= needs open/],
    ['q/id=5', /id= needs close or abort/],
    ['q/open/id=5', /id= needs close or abort/],
    ['q/peek/id=5', /id= needs close or abort/],
    ['q/delay=100', /delay= needs abort/],
    ['q/open/delay=100', /delay= needs abort/],
    ['q/close/delay=100', /delay= needs abort/],
    ['q/peek/delay=100', /delay= needs abort/],
    ['q/abort/delay', /option delay needs =<value>/],
    ['q/abort/delay=-5', /delay= needs a whole number of milliseconds/],
    ['q/abort/delay=1.5', /delay= needs a whole number/],
    ['q/abort/delay=999999999999', /delay= needs a whole number/],
    [`q/abort/delay=${MAX_DELAY_MS + 1}`, /delay= is larger than 31536000000 ms/],
    ['q/abort/deliveries', /deliveries needs open or peek/],
    ['q/close/deliveries', /deliveries needs open or peek/],
    ['q/deliveries=1', /option deliveries takes no value/],
  ];
  for (const [key, reason] of cases) {
    it(JSON.stringify(key), () => {
      expect(() => parseKey(key)).toThrow(KeyError);
      expect(() => parseKey(key)).toThrow(reason);
    });
  }
});

describe('queue names', () => {
  it(`accepts 1 to ${MAX_QUEUE_NAME_BYTES} bytes`, () => {
    expect(queueNameError('q')).toBeNull();
    expect(queueNameError('q'.repeat(MAX_QUEUE_NAME_BYTES))).toBeNull();
    expect(parseKey('q'.repeat(MAX_QUEUE_NAME_BYTES) + '/close/open/t=100').queue).toHaveLength(MAX_QUEUE_NAME_BYTES);
  });

  it(`refuses an empty name and names over ${MAX_QUEUE_NAME_BYTES} bytes`, () => {
    expect(queueNameError('')).toMatch(/empty/);
    expect(queueNameError('q'.repeat(MAX_QUEUE_NAME_BYTES + 1))).toMatch(/longer than 250 bytes/);
    expect(() => parseKey('q'.repeat(MAX_QUEUE_NAME_BYTES + 1) + '/open')).toThrow(/longer than 250 bytes/);
  });

  it('refuses every control character, space, DEL and /', () => {
    const bad = [...Array(0x21).keys(), 0x7f].map((c) => String.fromCharCode(c));
    for (const c of bad) {
      expect(queueNameError(`a${c}b`), JSON.stringify(c)).toMatch(/space, control character or \//);
      expect(() => parseKey(`a${c}b/open`)).toThrow(KeyError);
    }
    expect(queueNameError('a/b')).toMatch(/space, control character or \//);
  });

  it('accepts every other byte', () => {
    for (let c = 0x21; c <= 0xff; c++) {
      if (c === 0x7f || c === 0x2f) continue;
      expect(queueNameError(String.fromCharCode(c)), `byte 0x${c.toString(16)}`).toBeNull();
    }
  });
});

describe('parseDeleteKey', () => {
  const valid: Array<[string, { queue: string; abort: boolean; id: number; delayMs: number; outcome: boolean }]> = [
    ['q', { queue: 'q', abort: false, id: -1, delayMs: 0, outcome: false }],
    ['q/id=7', { queue: 'q', abort: false, id: 7, delayMs: 0, outcome: false }],
    ['q/abort', { queue: 'q', abort: true, id: -1, delayMs: 0, outcome: false }],
    ['q/abort/id=7', { queue: 'q', abort: true, id: 7, delayMs: 0, outcome: false }],
    ['q/id=7/abort', { queue: 'q', abort: true, id: 7, delayMs: 0, outcome: false }],
    ['q/close', { queue: 'q', abort: false, id: -1, delayMs: 0, outcome: false }],
    ['q/close/id=7', { queue: 'q', abort: false, id: 7, delayMs: 0, outcome: false }],
    ['q/abort/delay=500', { queue: 'q', abort: true, id: -1, delayMs: 500, outcome: false }],
    ['q/delay=500/id=7/abort', { queue: 'q', abort: true, id: 7, delayMs: 500, outcome: false }],
    ['q/abort/outcome', { queue: 'q', abort: true, id: -1, delayMs: 0, outcome: true }],
    ['q/outcome/abort/id=7/delay=500', { queue: 'q', abort: true, id: 7, delayMs: 500, outcome: true }],
  ];
  for (const [key, expected] of valid) {
    it(key, () => expect(parseDeleteKey(key)).toEqual(expected));
  }

  const refused: Array<[string, RegExp]> = [
    ['', /empty queue name/],
    ['/abort', /empty queue name/],
    ['q'.repeat(251), /longer than 250 bytes/],
    ['a\x01b', /control character/],
    ['q/open', /delete takes only the options abort, id=<n>, delay=<ms> and outcome, not "open"/],
    ['q/delay=5', /delay= needs abort/],
    ['q/id=3/delay=5', /delay= needs abort/],
    ['q/abort/delay=-1', /delay= needs a whole number of milliseconds/],
    ['q/abort/delay=5/delay=6', /option delay given twice/],
    ['q/peek', /delete takes only/],
    ['q/t=100', /delete takes only/],
    ['q/lease=100', /delete takes only/],
    ['q/', /delete takes only/],
    ['q/abort/abort', /option abort given twice/],
    ['q/id=1/id=2', /option id given twice/],
    ['q/close/close', /option close given twice/],
    ['q/abort/close', /abort cannot be combined with close/],
    ['q/outcome', /outcome needs abort/],
    ['q/id=3/outcome', /outcome needs abort/],
    ['q/abort/outcome/outcome', /option outcome given twice/],
    ['q/abort/outcome=1', /delete takes only the options abort, id=<n>, delay=<ms> and outcome, not "outcome=1"/],
    ['q/id=', /id= needs an item id/],
    ['q/id=0', /id= is out of range/],
    ['q/id=abc', /id= needs an item id/],
  ];
  for (const [key, reason] of refused) {
    it(`refuses ${JSON.stringify(key.length > 40 ? key.slice(0, 40) + '…' : key)}`, () => {
      expect(() => parseDeleteKey(key)).toThrow(KeyError);
      expect(() => parseDeleteKey(key)).toThrow(reason);
    });
  }
});

describe('parseKeyCached', () => {
  it('returns what parseKey returns, and a KeyError instead of throwing', () => {
    expect(parseKeyCached('cached/close/open')).toEqual(parseKey('cached/close/open'));
    expect(parseKeyCached('cached/close/open')).toBe(parseKeyCached('cached/close/open'));
    const bad = parseKeyCached('cached/nonsense');
    expect(bad).toBeInstanceOf(KeyError);
    expect((bad as KeyError).message).toMatch(/unknown option "nonsense"/);
  });

  it('stays correct past its size bound (endless distinct keys)', () => {
    for (let i = 0; i < 10_000; i++) {
      const parsed = parseKeyCached(`q${i}/t=${i}`);
      expect(parsed).not.toBeInstanceOf(KeyError);
      expect((parsed as KeyOptions).waitMs).toBe(i);
    }
    expect((parseKeyCached('q0/t=0') as KeyOptions).queue).toBe('q0');
  });
});

describe('parseSetKey', () => {
  it('takes a bare name, or delay=<ms> alone', () => {
    expect(parseSetKey('q')).toEqual({ queue: 'q', delayMs: 0 });
    expect(parseSetKey('q/delay=30000')).toEqual({ queue: 'q', delayMs: 30000 });
    expect(parseSetKey(`q/delay=${MAX_DELAY_MS}`)).toEqual({ queue: 'q', delayMs: MAX_DELAY_MS });
  });

  const refused: Array<[string, RegExp]> = [
    ['q/open', /set takes only the option delay=<ms>: other options belong to get and delete/],
    ['q/delay=5/open', /delay= needs a whole number/],
    ['q/', /set takes only the option delay=<ms>/],
    ['q/delay=-1', /delay= needs a whole number of milliseconds/],
    ['q/delay=', /delay= needs a whole number of milliseconds/],
    [`q/delay=${MAX_DELAY_MS + 1}`, /delay= is larger than 31536000000 ms/],
    ['/delay=5', /empty queue name/],
  ];
  for (const [key, reason] of refused) {
    it(`refuses ${JSON.stringify(key)}`, () => expect(() => parseSetKey(key)).toThrow(reason));
  }
});

describe('parseTouchKey', () => {
  it('takes a name, id=<n> and lease=<ms>', () => {
    expect(parseTouchKey('q')).toEqual({ queue: 'q', id: -1, leaseMs: -1 });
    expect(parseTouchKey('q/id=9')).toEqual({ queue: 'q', id: 9, leaseMs: -1 });
    expect(parseTouchKey('q/lease=1500/id=9')).toEqual({ queue: 'q', id: 9, leaseMs: 1500 });
  });

  const refused: Array<[string, RegExp]> = [
    ['q/open', /touch takes only the options id=<n> and lease=<ms>, not "open"/],
    ['q/id', /touch takes only the options/],
    ['q/id=0', /id= is out of range/],
    ['q/id=1/id=2', /option id given twice/],
    ['q/lease=0', /lease= must be at least 1 ms/],
    [`q/lease=${MAX_LEASE_MS + 1}`, /lease= is larger than/],
  ];
  for (const [key, reason] of refused) {
    it(`refuses ${JSON.stringify(key)}`, () => expect(() => parseTouchKey(key)).toThrow(reason));
  }
});
