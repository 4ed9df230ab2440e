/** The binary request parser: one table of cases, fed whole, byte by byte and in every two-way split. */
import { describe, expect, it } from 'vitest';
import { MAX_KEY_AND_EXTRAS_BYTES, OP } from '../../../src/protocol/binary/constants.js';
import { encodeRequest, type PacketFields } from '../../../src/protocol/binary/packet.js';
import { BinaryParser } from '../../../src/protocol/binary/parser.js';
import type { BinaryRequest } from '../../../src/protocol/binary/requests.js';

const MAX_ITEM = 64;

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v, i * 4));
  return b;
}

/** Strips Buffer identity so that views and copies compare equal. */
function plain(requests: BinaryRequest[]): unknown[] {
  return requests.map((r) => ('value' in r ? { ...r, value: r.value.toString('latin1') } : r));
}

function parseWhole(input: Buffer): BinaryRequest[] {
  return new BinaryParser(MAX_ITEM).push(input);
}

function parseBytewise(input: Buffer): BinaryRequest[] {
  const p = new BinaryParser(MAX_ITEM);
  const out: BinaryRequest[] = [];
  for (let i = 0; i < input.length; i++) out.push(...p.push(input.subarray(i, i + 1)));
  return out;
}

const req = (f: PacketFields) => encodeRequest(f);
const base = (opcode: number, opaque: number) => ({ opcode, opaque });

interface Case {
  name: string;
  input: Buffer;
  expected: unknown[];
}

const cases: Case[] = [
  {
    name: 'GET, GETQ, GETK, GETKQ',
    input: Buffer.concat([
      req({ opcode: OP.GET, key: 'q', opaque: 1 }),
      req({ opcode: OP.GETQ, key: 'q/peek', opaque: 2 }),
      req({ opcode: OP.GETK, key: 'q/t=10', opaque: 3 }),
      req({ opcode: OP.GETKQ, key: 'q/close/open', opaque: 0xffffffff }),
    ]),
    expected: [
      { type: 'get', ...base(OP.GET, 1), key: 'q', withKey: false, quiet: false },
      { type: 'get', ...base(OP.GETQ, 2), key: 'q/peek', withKey: false, quiet: true },
      { type: 'get', ...base(OP.GETK, 3), key: 'q/t=10', withKey: true, quiet: false },
      { type: 'get', ...base(OP.GETKQ, 0xffffffff), key: 'q/close/open', withKey: true, quiet: true },
    ],
  },
  {
    name: 'SET and SETQ with flags, exptime and a binary value',
    input: Buffer.concat([
      req({ opcode: OP.SET, key: 'jobs', extras: u32(0xdeadbeef, 60), value: Buffer.from([0, 13, 10, 0x80, 255]), opaque: 7 }),
      req({ opcode: OP.SETQ, key: 'jobs', extras: u32(0, 0), value: '', opaque: 8 }),
    ]),
    expected: [
      { type: 'set', ...base(OP.SET, 7), key: 'jobs', flags: 0xdeadbeef, exptime: 60, value: '\x00\r\n\x80\xff', quiet: false },
      { type: 'set', ...base(OP.SETQ, 8), key: 'jobs', flags: 0, exptime: 0, value: '', quiet: true },
    ],
  },
  {
    name: 'DELETE with and without CAS; DELETEQ',
    input: Buffer.concat([
      req({ opcode: OP.DELETE, key: 'q', opaque: 1 }),
      req({ opcode: OP.DELETE, key: 'q/abort', cas: 2 ** 40 + 5, opaque: 2 }),
      req({ opcode: OP.DELETEQ, key: 'q', cas: 9, opaque: 3 }),
    ]),
    expected: [
      { type: 'delete', ...base(OP.DELETE, 1), key: 'q', cas: 0, quiet: false },
      { type: 'delete', ...base(OP.DELETE, 2), key: 'q/abort', cas: 2 ** 40 + 5, quiet: false },
      { type: 'delete', ...base(OP.DELETEQ, 3), key: 'q', cas: 9, quiet: true },
    ],
  },
  {
    name: 'FLUSH with 0 or 4 bytes of extras, with a queue key, FLUSHQ',
    input: Buffer.concat([
      req({ opcode: OP.FLUSH, opaque: 1 }),
      req({ opcode: OP.FLUSH, extras: u32(30), opaque: 2 }),
      req({ opcode: OP.FLUSHQ, key: 'q', opaque: 3 }),
    ]),
    expected: [
      { type: 'flush', ...base(OP.FLUSH, 1), queue: null, delay: 0, quiet: false },
      { type: 'flush', ...base(OP.FLUSH, 2), queue: null, delay: 30, quiet: false },
      { type: 'flush', ...base(OP.FLUSHQ, 3), queue: 'q', delay: 0, quiet: true },
    ],
  },
  {
    name: 'STAT, VERSION, NOOP, VERBOSITY, QUIT, QUITQ',
    input: Buffer.concat([
      req({ opcode: OP.STAT, opaque: 1 }),
      req({ opcode: OP.STAT, key: 'settings', opaque: 2 }),
      req({ opcode: OP.VERSION, opaque: 3 }),
      req({ opcode: OP.NOOP, opaque: 4 }),
      req({ opcode: OP.VERBOSITY, extras: u32(1), opaque: 5 }),
      req({ opcode: OP.QUIT, opaque: 6 }),
      req({ opcode: OP.QUITQ, opaque: 7 }),
    ]),
    expected: [
      { type: 'stat', ...base(OP.STAT, 1), group: '' },
      { type: 'stat', ...base(OP.STAT, 2), group: 'settings' },
      { type: 'version', ...base(OP.VERSION, 3) },
      { type: 'noop', ...base(OP.NOOP, 4) },
      { type: 'verbosity', ...base(OP.VERBOSITY, 5) },
      { type: 'quit', ...base(OP.QUIT, 6), quiet: false },
      { type: 'quit', ...base(OP.QUITQ, 7), quiet: true },
    ],
  },
  {
    name: 'touch: a key and 4 bytes of expiration',
    input: Buffer.concat([
      req({ opcode: OP.TOUCH, key: 'q/id=3', extras: u32(30), opaque: 1 }),
      req({ opcode: OP.TOUCH, key: 'q', extras: u32(0, 0), opaque: 2 }),
      req({ opcode: OP.TOUCH, extras: u32(30), opaque: 3 }),
      req({ opcode: OP.TOUCH, key: 'q', extras: u32(30), value: 'x', opaque: 4 }),
    ]),
    expected: [
      { type: 'touch', ...base(OP.TOUCH, 1), key: 'q/id=3', exptime: 30 },
      { type: 'invalid', ...base(OP.TOUCH, 2), reason: 'touch needs 4 bytes of extras (expiration), a key and no value' },
      { type: 'invalid', ...base(OP.TOUCH, 3), reason: 'touch needs a key' },
      { type: 'invalid', ...base(OP.TOUCH, 4), reason: 'touch needs 4 bytes of extras (expiration), a key and no value' },
    ],
  },
  {
    name: 'refused and unknown commands; SASL read for the session to answer',
    input: Buffer.concat([
      req({ opcode: OP.ADD, key: 'q', extras: u32(0, 0), value: 'x', opaque: 1 }),
      req({ opcode: OP.REPLACEQ, key: 'q', extras: u32(0, 0), value: 'x', opaque: 2 }),
      req({ opcode: OP.INCREMENT, key: 'q', extras: Buffer.alloc(20), opaque: 3 }),
      req({ opcode: OP.GAT, key: 'q', extras: u32(5), opaque: 4 }),
      req({ opcode: OP.GATKQ, key: 'q', extras: u32(5), opaque: 5 }),
      req({ opcode: OP.SET, key: 'q', extras: u32(0, 0), value: 'x', cas: 12, opaque: 9 }),
      req({ opcode: OP.SASL_LIST_MECHS, opaque: 6 }),
      req({ opcode: OP.SASL_AUTH, key: 'PLAIN', value: '\0u\0p', opaque: 7 }),
      req({ opcode: 0x7f, opaque: 8 }),
      req({ opcode: OP.SASL_STEP, key: 'PLAIN', value: 'x', opaque: 10 }),
      req({ opcode: OP.SASL_LIST_MECHS, value: 'x', opaque: 11 }),
    ]),
    expected: [
      { type: 'unsupported', ...base(OP.ADD, 1), command: 'add' },
      { type: 'unsupported', ...base(OP.REPLACEQ, 2), command: 'replace' },
      { type: 'unsupported', ...base(OP.INCREMENT, 3), command: 'incr' },
      { type: 'unsupported', ...base(OP.GAT, 4), command: 'gat' },
      { type: 'unsupported', ...base(OP.GATKQ, 5), command: 'gat' },
      { type: 'unsupported', ...base(OP.SET, 9), command: 'cas' },
      { type: 'sasl_list', ...base(OP.SASL_LIST_MECHS, 6) },
      { type: 'sasl_auth', ...base(OP.SASL_AUTH, 7), step: false, mechanism: 'PLAIN', data: Buffer.from('\0u\0p') },
      { type: 'unknown', ...base(0x7f, 8) },
      { type: 'sasl_auth', ...base(OP.SASL_STEP, 10), step: true, mechanism: 'PLAIN', data: Buffer.from('x') },
      { type: 'invalid', ...base(OP.SASL_LIST_MECHS, 11), reason: 'sasl list mechs takes no body' },
    ],
  },
  {
    name: 'shapes that do not fit the opcode are invalid, and the stream goes on',
    input: Buffer.concat([
      req({ opcode: OP.GET, opaque: 1 }),
      req({ opcode: OP.GET, key: 'q', value: 'v', opaque: 2 }),
      req({ opcode: OP.SET, key: 'q', extras: u32(0), value: 'v', opaque: 3 }),
      req({ opcode: OP.SET, extras: u32(0, 0), value: 'v', opaque: 4 }),
      req({ opcode: OP.DELETE, key: 'q', extras: u32(0), opaque: 5 }),
      req({ opcode: OP.FLUSH, extras: Buffer.alloc(2), opaque: 6 }),
      req({ opcode: OP.FLUSH, key: 'q', extras: u32(5), opaque: 7 }),
      req({ opcode: OP.NOOP, key: 'x', opaque: 8 }),
      req({ opcode: OP.VERBOSITY, opaque: 9 }),
      req({ opcode: OP.GET, key: 'q', dataType: 1, opaque: 10 }),
      req({ opcode: OP.STAT, value: 'x', opaque: 11 }),
      req({ opcode: OP.NOOP, opaque: 12 }),
    ]),
    expected: [
      { type: 'invalid', ...base(OP.GET, 1), reason: 'get needs a key' },
      { type: 'invalid', ...base(OP.GET, 2), reason: 'get takes a key and nothing else' },
      { type: 'invalid', ...base(OP.SET, 3), reason: 'set needs 8 bytes of extras (flags, expiration)' },
      { type: 'invalid', ...base(OP.SET, 4), reason: 'set needs a key' },
      { type: 'invalid', ...base(OP.DELETE, 5), reason: 'delete takes a key and nothing else' },
      { type: 'invalid', ...base(OP.FLUSH, 6), reason: 'flush takes 0 or 4 bytes of extras' },
      { type: 'invalid', ...base(OP.FLUSH, 7), reason: 'flush of one queue takes no delay' },
      { type: 'invalid', ...base(OP.NOOP, 8), reason: 'this command takes no body' },
      { type: 'invalid', ...base(OP.VERBOSITY, 9), reason: 'verbosity takes 4 bytes of extras and nothing else' },
      { type: 'invalid', ...base(OP.GET, 10), reason: 'data type 1 is not supported (only 0, raw bytes)' },
      { type: 'invalid', ...base(OP.STAT, 11), reason: 'stat takes an optional key and nothing else' },
      { type: 'noop', ...base(OP.NOOP, 12) },
    ],
  },
  {
    name: 'a value over the limit is skipped byte-exactly; the next packet parses',
    input: Buffer.concat([
      req({ opcode: OP.SET, key: 'q', extras: u32(0, 0), value: Buffer.alloc(MAX_ITEM, 0x80), opaque: 1 }),
      req({ opcode: OP.SET, key: 'q', extras: u32(0, 0), value: Buffer.alloc(MAX_ITEM + 1, 0x80), opaque: 2 }),
      req({ opcode: OP.GET, key: 'q', value: Buffer.alloc(MAX_ITEM + 1, 0x80), opaque: 3 }),
      req({ opcode: OP.NOOP, opaque: 4 }),
    ]),
    expected: [
      { type: 'set', ...base(OP.SET, 1), key: 'q', flags: 0, exptime: 0, value: '\x80'.repeat(MAX_ITEM), quiet: false },
      { type: 'too_large', ...base(OP.SET, 2), valueLength: MAX_ITEM + 1 },
      { type: 'too_large', ...base(OP.GET, 3), valueLength: MAX_ITEM + 1 },
      { type: 'noop', ...base(OP.NOOP, 4) },
    ],
  },
  {
    name: 'a bad magic is fatal and nothing after it is read',
    input: Buffer.concat([
      req({ opcode: OP.NOOP, opaque: 1 }),
      Buffer.from('get q\r\n' + ' '.repeat(40)),
      req({ opcode: OP.NOOP }),
    ]),
    expected: [
      { type: 'noop', ...base(OP.NOOP, 1) },
      { type: 'fatal', opcode: 0x65, opaque: 0x20202020, reason: 'bad magic 0x67: not a binary request' },
    ],
  },
  {
    name: 'key and extras longer than the body is fatal',
    input: (() => {
      const b = req({ opcode: OP.GET, key: 'abc', opaque: 5 });
      b.writeUInt32BE(2, 8); // body length 2 < key length 3
      return Buffer.concat([b.subarray(0, 26), req({ opcode: OP.NOOP })]);
    })(),
    expected: [{ type: 'fatal', ...base(OP.GET, 5), reason: 'key and extras longer than the body' }],
  },
];

describe('BinaryParser', () => {
  for (const c of cases) {
    it(`${c.name}: whole buffer`, () => {
      expect(plain(parseWhole(c.input))).toEqual(c.expected);
    });
    it(`${c.name}: byte by byte`, () => {
      expect(plain(parseBytewise(c.input))).toEqual(c.expected);
    });
    it(`${c.name}: every split in two`, () => {
      for (let at = 0; at <= c.input.length; at += Math.max(1, Math.floor(c.input.length / 97))) {
        const p = new BinaryParser(MAX_ITEM);
        const got = [...p.push(c.input.subarray(0, at)), ...p.push(c.input.subarray(at))];
        expect(plain(got), `split at ${at}`).toEqual(c.expected);
      }
    });
  }

  it('never buffers an oversized body: a 4 GiB length costs nothing and is skipped as it arrives', () => {
    const p = new BinaryParser(MAX_ITEM);
    const header = req({ opcode: OP.SET, key: 'q', extras: u32(0, 0), opaque: 9 });
    header.writeUInt32BE(0xffffffff, 8);
    expect(plain(p.push(header.subarray(0, 24)))).toEqual([
      { type: 'too_large', ...base(OP.SET, 9), valueLength: 0xffffffff - 9 },
    ]);
    // A megabyte of body is swallowed without output and without being kept.
    expect(p.push(Buffer.alloc(1 << 20))).toEqual([]);
  });

  it('accepts a body up to the item limit plus the widest key and extras', () => {
    const p = new BinaryParser(MAX_ITEM);
    const key = 'k'.repeat(0xffff);
    const packet = req({ opcode: OP.SET, key, extras: Buffer.alloc(0xff), value: Buffer.alloc(MAX_ITEM), opaque: 1 });
    expect(packet.length).toBe(24 + MAX_ITEM + MAX_KEY_AND_EXTRAS_BYTES);
    const [r] = p.push(packet);
    // Framed fully (the extras are then the wrong size for SET, which is a separate matter).
    expect(r).toEqual({ type: 'invalid', ...base(OP.SET, 1), reason: 'set needs 8 bytes of extras (flags, expiration)' });
  });

  it('hands out requests one at a time; keepInput() keeps those not taken when the bytes are reused', () => {
    const packets = [
      req({ opcode: OP.SETQ, key: 'q', extras: u32(0, 0), value: 'abc', opaque: 1 }),
      req({ opcode: OP.GET, key: 'q', opaque: 2 }),
      req({ opcode: OP.DELETE, key: 'q', opaque: 3 }),
    ];
    const whole = plain(new BinaryParser(MAX_ITEM).push(Buffer.concat(packets)));
    for (let taken = 0; taken <= packets.length; taken++) {
      const p = new BinaryParser(MAX_ITEM);
      const readBuffer = Buffer.concat(packets);
      p.feed(readBuffer);
      const got: BinaryRequest[] = [];
      // Each request is copied as it is taken (the parser reuses its object), and a SET's value too:
      // it is a view of the bytes fed, copied as the session's store does.
      const take = (r: BinaryRequest) => got.push(r.type === 'set' ? { ...r, value: Buffer.from(r.value) } : { ...r });
      for (let i = 0; i < taken; i++) take(p.next()!);
      p.keepInput();
      readBuffer.fill(0x21);
      for (let r = p.next(); r !== null; r = p.next()) take(r);
      expect(plain(got), `${taken} taken before the buffer was reused`).toEqual(whole);
    }
  });

  it('reuses the objects of GET, SET and DELETE: push() gives each request its own', () => {
    const packets = Buffer.concat([
      req({ opcode: OP.GET, key: 'a', opaque: 1 }),
      req({ opcode: OP.GETK, key: 'b', opaque: 2 }),
      req({ opcode: OP.DELETE, key: 'a', opaque: 3 }),
      req({ opcode: OP.DELETEQ, key: 'b', opaque: 4 }),
    ]);
    const p = new BinaryParser(MAX_ITEM);
    p.feed(packets);
    const first = p.next();
    expect(p.next()).toBe(first);
    expect(plain(new BinaryParser(MAX_ITEM).push(packets))).toEqual([
      { type: 'get', ...base(OP.GET, 1), key: 'a', withKey: false, quiet: false },
      { type: 'get', ...base(OP.GETK, 2), key: 'b', withKey: true, quiet: false },
      { type: 'delete', ...base(OP.DELETE, 3), key: 'a', cas: 0, quiet: false },
      { type: 'delete', ...base(OP.DELETEQ, 4), key: 'b', cas: 0, quiet: true },
    ]);
  });

  it('takes nothing after a fatal request', () => {
    const p = new BinaryParser(MAX_ITEM);
    expect(p.push(Buffer.from('x'.repeat(24)))[0].type).toBe('fatal');
    expect(p.push(req({ opcode: OP.NOOP }))).toEqual([]);
  });
});
