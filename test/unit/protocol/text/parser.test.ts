/**
 * The text parser from one table of cases. Each case is fed as one buffer, byte by byte, and split at
 * random points (fixed seeds); every way of feeding must give the same requests, equal to the table's.
 */
import { describe, expect, it } from 'vitest';
import { TextParser, tokenize } from '../../../../src/protocol/text/parser.js';
import type { StorageCommand, TextRequest } from '../../../../src/protocol/text/requests.js';
import { MAX_LINE_BYTES } from '../../../../src/protocol/text/words.js';
import { Random, randomChunks } from '../../../helpers/random.js';

/** The item size limit the table is written for (small, so oversize cases stay small). */
const MAX_ITEM = 64;

/** A request with its data block as a latin1 string, so that lists compare with toEqual. */
type Plain =
  | Exclude<TextRequest, { type: 'storage' }>
  | {
      type: 'storage';
      command: StorageCommand;
      key: string;
      flags: number;
      exptime: number;
      data: string;
      noreply: boolean;
    };

function plain(r: TextRequest): Plain {
  return r.type === 'storage' ? { ...r, data: r.data.toString('latin1') } : r;
}

function feed(chunks: Buffer[], maxItem = MAX_ITEM): Plain[] {
  const parser = new TextParser(maxItem);
  const out: Plain[] = [];
  // Copy each chunk and scribble over it afterwards: a request must not depend on a buffer the
  // caller reuses (the socket layer does not promise to keep it).
  for (const chunk of chunks) {
    const own = Buffer.from(chunk);
    for (const r of parser.push(own)) out.push(plain(r));
    own.fill(0x21);
  }
  return out;
}

// ---- expected requests ----
const set = (
  key: string,
  data: string,
  o: Partial<{ flags: number; exptime: number; noreply: boolean; command: StorageCommand }> = {},
): Plain => ({
  type: 'storage',
  command: o.command ?? 'set',
  key,
  flags: o.flags ?? 0,
  exptime: o.exptime ?? 0,
  data,
  noreply: o.noreply ?? false,
});
const get = (...keys: string[]): Plain => ({ type: 'get', command: 'get', keys });
const gets = (...keys: string[]): Plain => ({ type: 'get', command: 'gets', keys });
const del = (key: string, noreply = false): Plain => ({ type: 'delete', key, noreply });
const flush = (queue: string | null, delay = 0, noreply = false): Plain => ({ type: 'flush', queue, delay, noreply });
const unsupported = (command: string, noreply = false): Plain => ({ type: 'unsupported', command, noreply });
const error = (reply: string, noreply = false, close = false): Plain => ({ type: 'error', reply, close, noreply });
const ERROR = error('ERROR\r\n');
const badFormat = (noreply = false) => error('CLIENT_ERROR bad command line format\r\n', noreply);
const tooLarge = (noreply = false) => error('SERVER_ERROR object too large\r\n', noreply);
const badChunk = (noreply = false) => error('CLIENT_ERROR bad data chunk\r\n', noreply);
const lineTooLong = error('CLIENT_ERROR line too long\r\n', false, true);

interface Case {
  readonly name: string;
  readonly input: string | Buffer;
  readonly expect: Plain[];
}

const longKey = 'k'.repeat(MAX_LINE_BYTES - 'get '.length);
const binary = Buffer.from([...Array(256).keys()]);

const CASES: Case[] = [
  // storage commands
  { name: 'set', input: 'set q 0 0 5\r\nhello\r\n', expect: [set('q', 'hello')] },
  {
    name: 'set with flags and exptime',
    input: 'set q 16 3600 2\r\nhi\r\n',
    expect: [set('q', 'hi', { flags: 16, exptime: 3600 })],
  },
  { name: 'set noreply', input: 'set q 0 0 2 noreply\r\nhi\r\n', expect: [set('q', 'hi', { noreply: true })] },
  {
    name: 'set as python-memcache sends it (trailing space)',
    input: 'set k 16 0 11 \r\nHello world\r\n',
    expect: [set('k', 'Hello world', { flags: 16 })],
  },
  {
    name: 'set with runs of spaces and a tab',
    input: 'set   k  16\t 0   11   \r\nHello world\r\n',
    expect: [set('k', 'Hello world', { flags: 16 })],
  },
  { name: 'set with leading spaces', input: '   set q 0 0 1\r\nx\r\n', expect: [set('q', 'x')] },
  { name: 'set with a bare \\n line end', input: 'set q 0 0 2\nhi\r\n', expect: [set('q', 'hi')] },
  { name: 'data containing \\r\\n', input: 'set q 0 0 10\r\nget q\r\nEND\r\n', expect: [set('q', 'get q\r\nEND')] },
  {
    name: 'data of every byte value',
    input: Buffer.concat([Buffer.from('set q 0 0 64\r\n'), binary.subarray(0, 64), Buffer.from('\r\n')]),
    expect: [set('q', binary.subarray(0, 64).toString('latin1'))],
  },
  { name: 'empty data', input: 'set q 0 0 0\r\n\r\nget q\r\n', expect: [set('q', ''), get('q')] },
  {
    name: 'data of exactly the limit',
    input: `set q 0 0 ${MAX_ITEM}\r\n${'d'.repeat(MAX_ITEM)}\r\n`,
    expect: [set('q', 'd'.repeat(MAX_ITEM))],
  },
  { name: 'largest flags', input: 'set q 4294967295 0 1\r\nx\r\n', expect: [set('q', 'x', { flags: 4294967295 })] },
  { name: 'negative exptime', input: 'set q 0 -1 1\r\nx\r\n', expect: [set('q', 'x', { exptime: -1 })] },
  { name: 'absolute exptime', input: 'set q 0 1999999999 1\r\nx\r\n', expect: [set('q', 'x', { exptime: 1999999999 })] },
  {
    name: 'add, replace, append, prepend (parsed; the session refuses them)',
    input: 'add q 0 0 1\r\na\r\nreplace q 0 0 1\r\nr\r\nappend q 0 0 1 noreply\r\np\r\nprepend q 0 0 1\r\nP\r\n',
    expect: [
      set('q', 'a', { command: 'add' }),
      set('q', 'r', { command: 'replace' }),
      set('q', 'p', { command: 'append', noreply: true }),
      set('q', 'P', { command: 'prepend' }),
    ],
  },
  {
    name: 'cas',
    input: 'cas q 0 0 2 99\r\nhi\r\ncas q 0 0 2 99 noreply\r\nhi\r\n',
    expect: [set('q', 'hi', { command: 'cas' }), set('q', 'hi', { command: 'cas', noreply: true })],
  },
  {
    name: 'add as memcexist sends it',
    input: 'add q 0 2678400 0\r\n\r\n',
    expect: [set('q', '', { command: 'add', exptime: 2678400 })],
  },

  // oversize and broken data blocks: skipped byte-exactly, the next command still parsed
  {
    name: 'oversize data is skipped byte-exactly',
    input: `set q 0 0 ${MAX_ITEM + 1}\r\n${'get x\r\n'.repeat(10).slice(0, MAX_ITEM + 1)}\r\nget q\r\n`,
    expect: [tooLarge(), get('q')],
  },
  {
    name: 'oversize data with noreply',
    input: `set q 0 0 100 noreply\r\n${'x'.repeat(100)}\r\nversion\r\n`,
    expect: [tooLarge(true), { type: 'version' }],
  },
  {
    name: 'oversize add is skipped too',
    input: `add q 0 0 100\r\n${'x'.repeat(100)}\r\nversion\r\n`,
    expect: [tooLarge(), { type: 'version' }],
  },
  {
    name: 'bad data chunk (data longer than announced)',
    input: 'set q 0 0 2\r\nabcd\r\nget q\r\n',
    expect: [badChunk(), ERROR, get('q')],
  },
  {
    name: 'bad data chunk with noreply (the rest of the line is then read as a line)',
    input: 'set q 0 0 1 noreply\r\nab\r\nget q\r\n',
    expect: [badChunk(true), ERROR, get('q')],
  },
  { name: 'data ended by a bare \\n is a bad chunk', input: 'set q 0 0 2\r\nhi\nxget q\r\n', expect: [badChunk(), get('q')] },

  // bad storage lines: with a known length the block is skipped, without one it cannot be
  { name: 'set without a length', input: 'set q 0 0\r\nget q\r\n', expect: [badFormat(), get('q')] },
  { name: 'set without a key', input: 'set\r\n', expect: [badFormat()] },
  { name: 'set with a negative length', input: 'set q 0 0 -1\r\nget q\r\n', expect: [badFormat(), get('q')] },
  { name: 'set with a non-numeric length', input: 'set q 0 0 abc\r\n', expect: [badFormat()] },
  { name: 'set with a 13-digit length', input: 'set q 0 0 1234567890123\r\nget q\r\n', expect: [badFormat(), get('q')] },
  { name: 'set with bad flags skips its data', input: 'set q abc 0 2\r\nhi\r\nget q\r\n', expect: [badFormat(), get('q')] },
  { name: 'set with negative flags skips its data', input: 'set q -1 0 2\r\nhi\r\nget q\r\n', expect: [badFormat(), get('q')] },
  {
    name: 'set with flags over 32 bits skips its data',
    input: 'set q 4294967296 0 2\r\nhi\r\nget q\r\n',
    expect: [badFormat(), get('q')],
  },
  {
    name: 'set with a bad exptime skips its data',
    input: 'set q 0 soon 2 noreply\r\nhi\r\nget q\r\n',
    expect: [badFormat(true), get('q')],
  },
  {
    name: 'set with an extra token skips its data',
    input: 'set q 0 0 2 extra\r\nhi\r\nget q\r\n',
    expect: [badFormat(), get('q')],
  },
  {
    name: 'set with an extra token after noreply skips its data',
    input: 'set q 0 0 2 noreply extra\r\nhi\r\nget q\r\n',
    expect: [badFormat(), get('q')],
  },
  { name: 'cas without its unique skips its data', input: 'cas q 0 0 2\r\nhi\r\nget q\r\n', expect: [badFormat(), get('q')] },
  {
    name: 'an oversize length with an extra token is skipped',
    input: `set q 0 0 100 extra\r\n${'x'.repeat(100)}\r\nget q\r\n`,
    expect: [badFormat(), get('q')],
  },

  // retrieval
  { name: 'get', input: 'get q\r\n', expect: [get('q')] },
  {
    name: 'get with options and several keys',
    input: 'get q/close/open/t=500   other/peek \r\n',
    expect: [get('q/close/open/t=500', 'other/peek')],
  },
  { name: 'gets', input: 'gets a b c\r\n', expect: [gets('a', 'b', 'c')] },
  { name: 'get without a key', input: 'get\r\nget \r\n', expect: [ERROR, ERROR] },
  { name: 'a line of exactly the limit', input: `get ${longKey}\r\n`, expect: [get(longKey)] },
  { name: 'a line of exactly the limit with a bare \\n', input: `get ${longKey}\n`, expect: [get(longKey)] },

  // delete
  {
    name: 'delete',
    input: 'delete q\r\ndelete q/id=7 noreply\r\ndelete q 0\r\ndelete q 0 noreply\r\n',
    expect: [del('q'), del('q/id=7', true), del('q'), del('q', true)],
  },
  {
    name: 'delete with a time other than 0',
    input: 'delete q 10\r\ndelete q 10 noreply\r\n',
    expect: [badFormat(), badFormat(true)],
  },
  {
    name: 'delete without a key or with too many tokens',
    input: 'delete\r\ndelete a 0 b\r\n',
    expect: [badFormat(), badFormat()],
  },

  // whole-queue commands
  { name: 'flush', input: 'flush q\r\nflush q noreply\r\n', expect: [flush('q'), flush('q', 0, true)] },
  { name: 'flush without a queue or with two', input: 'flush\r\nflush a b\r\n', expect: [badFormat(), badFormat()] },
  {
    name: 'flush_all',
    input: 'flush_all\r\nflush_all 10\r\nflush_all noreply\r\nflush_all 5 noreply\r\nflush_all 0\r\n',
    expect: [flush(null), flush(null, 10), flush(null, 0, true), flush(null, 5, true), flush(null)],
  },
  { name: 'flush_all with a negative delay flushes now', input: 'flush_all -5\r\n', expect: [flush(null)] },
  {
    name: 'flush_all with a bad delay',
    input: 'flush_all soon\r\nflush_all 1 2\r\nflush_all soon noreply\r\n',
    expect: [badFormat(), badFormat(), badFormat(true)],
  },
  {
    name: 'delete_queue',
    input: 'delete_queue q\r\ndelete_queue q noreply\r\ndelete_queue\r\n',
    expect: [
      { type: 'delete_queue', queue: 'q', noreply: false },
      { type: 'delete_queue', queue: 'q', noreply: true },
      badFormat(),
    ],
  },

  // the rest
  {
    name: 'stats',
    input: 'stats\r\nstats items\r\nstats a b\r\n',
    expect: [
      { type: 'stats', args: [] },
      { type: 'stats', args: ['items'] },
      { type: 'stats', args: ['a', 'b'] },
    ],
  },
  { name: 'version and quit', input: 'version\r\nquit\r\n', expect: [{ type: 'version' }, { type: 'quit' }] },
  {
    name: 'verbosity',
    input: 'verbosity 1\r\nverbosity 1 noreply\r\n',
    expect: [
      { type: 'verbosity', noreply: false },
      { type: 'verbosity', noreply: true },
    ],
  },
  {
    name: 'incr and decr (noreply kept)',
    input: 'incr q 1\r\ndecr q 1 noreply\r\n',
    expect: [unsupported('incr'), unsupported('decr', true)],
  },
  {
    name: 'touch <key> <exptime> [noreply]',
    input: 'touch q/id=3 10\r\ntouch q -1 noreply\r\ntouch q\r\ntouch q soon\r\ntouch q 1 2\r\n',
    expect: [
      { type: 'touch', key: 'q/id=3', exptime: 10, noreply: false },
      { type: 'touch', key: 'q', exptime: -1, noreply: true },
      badFormat(),
      badFormat(),
      badFormat(),
    ],
  },
  {
    name: 'gat and gats (never noreply)',
    input: 'gat 0 q\r\ngats 0 q noreply\r\n',
    expect: [unsupported('gat'), unsupported('gats')],
  },
  {
    name: 'unknown commands and empty lines',
    input: 'foo bar\r\n\r\n   \r\nGET q\r\n\n',
    expect: [ERROR, ERROR, ERROR, ERROR, ERROR],
  },
  {
    name: 'pipelined commands',
    input: 'set a 0 0 1\r\n1\r\nset b 0 0 1 noreply\r\n2\r\nget a b\r\ndelete a\r\nversion\r\n',
    expect: [set('a', '1'), set('b', '2', { noreply: true }), get('a', 'b'), del('a'), { type: 'version' }],
  },
  { name: 'a command without its line end yields nothing yet', input: 'get q\r\nget r', expect: [get('q')] },
  { name: 'a data block not complete yet yields nothing yet', input: 'set q 0 0 5\r\nhel', expect: [] },

  // fatal: a line over the limit closes the connection; nothing after it is parsed
  { name: 'a line one byte over the limit', input: `get ${longKey}k\r\nget q\r\n`, expect: [lineTooLong] },
  {
    name: 'a line over the limit without a newline',
    input: `get q\r\n${'x'.repeat(MAX_LINE_BYTES + 1)}`,
    expect: [get('q'), lineTooLong],
  },
  { name: 'a huge line with a newline far away', input: `${'y'.repeat(3 * MAX_LINE_BYTES)}\r\nget q\r\n`, expect: [lineTooLong] },
];

/** Every way the table feeds one case. */
function feedings(input: Buffer): Array<[string, Buffer[]]> {
  const ways: Array<[string, Buffer[]]> = [
    ['one buffer', [input]],
    ['byte by byte', [...input].map((b) => Buffer.from([b]))],
  ];
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    ways.push([`random splits (seed ${seed})`, randomChunks(input, new Random(seed), seed % 2 === 0 ? 8 : 200)]);
  }
  return ways;
}

describe('TextParser', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const input = typeof c.input === 'string' ? Buffer.from(c.input, 'latin1') : c.input;
      for (const [way, chunks] of feedings(input)) {
        expect(feed(chunks), way).toEqual(c.expect);
      }
    });
  }

  it('parses the whole table as one stream the same way, however it is split', () => {
    // Every non-fatal case back to back: requests must come out in order, whatever the chunking.
    const streamCases = CASES.filter(
      (c) => !c.expect.some((r) => r.type === 'error' && r.close) && !/yields nothing yet/.test(c.name),
    );
    const input = Buffer.concat(streamCases.map((c) => (typeof c.input === 'string' ? Buffer.from(c.input, 'latin1') : c.input)));
    const expected = streamCases.flatMap((c) => c.expect);
    for (const [way, chunks] of feedings(input)) expect(feed(chunks), way).toEqual(expected);
  });

  it('takes a data block that spans many reads', () => {
    const data = Buffer.alloc(200_000, 'z');
    const input = Buffer.concat([Buffer.from('set big 1 0 200000\r\n'), data, Buffer.from('\r\nget big\r\n')]);
    for (const [way, chunks] of feedings(input)) {
      if (way === 'byte by byte') continue; // 200k single-byte pushes add nothing the random splits miss
      expect(feed(chunks, 1 << 20), way).toEqual([set('big', data.toString('latin1'), { flags: 1 }), get('big')]);
    }
  });

  it('skips an oversize block across many reads without buffering it', () => {
    const parser = new TextParser(MAX_ITEM);
    expect(parser.push(Buffer.from('set q 0 0 1000000\r\n'))).toEqual([tooLarge()]);
    for (let i = 0; i < 100; i++) expect(parser.push(Buffer.alloc(10_000, 'get q\r\n'))).toEqual([]);
    expect(parser.push(Buffer.from('\r\nget q\r\n')).map(plain)).toEqual([get('q')]);
  });

  it('ignores everything after a fatal error', () => {
    const parser = new TextParser(MAX_ITEM);
    expect(parser.push(Buffer.alloc(MAX_LINE_BYTES + 1, 'a')).map(plain)).toEqual([lineTooLong]);
    expect(parser.push(Buffer.from('get q\r\nversion\r\n'))).toEqual([]);
  });

  it('hands out requests one at a time; keepInput() keeps those not taken when the bytes are reused', () => {
    // A session takes a request, runs it, and stops (a get that waits): the rest of the read buffer
    // must survive the buffer being reused for the next read.
    const input = Buffer.from('set q 0 0 3 noreply\r\nabc\r\nget q\r\nget r\r\ndelete q\r\nset q 5 0 2\r\nxy\r\nget q', 'latin1');
    const expected = [set('q', 'abc', { noreply: true }), get('q'), get('r'), del('q'), set('q', 'xy', { flags: 5 })];
    for (let taken = 0; taken <= expected.length; taken++) {
      const parser = new TextParser(MAX_ITEM);
      const readBuffer = Buffer.from(input);
      parser.feed(readBuffer);
      const got: Plain[] = [];
      // Each request is copied as it is taken: the parser reuses its object for the next one.
      const take = (r: TextRequest) => got.push(structuredClone(plain(r)));
      for (let i = 0; i < taken; i++) take(parser.next()!);
      parser.keepInput();
      readBuffer.fill(0x21);
      for (let r = parser.next(); r !== null; r = parser.next()) take(r);
      parser.feed(Buffer.from('\r\n'));
      for (let r = parser.next(); r !== null; r = parser.next()) take(r);
      expect(got, `${taken} taken before the buffer was reused`).toEqual([...expected, get('q')]);
    }
  });

  it('reuses the objects of set, get and delete: push() gives each request its own', () => {
    const parser = new TextParser(MAX_ITEM);
    parser.feed(Buffer.from('get a\r\nget b\r\n'));
    const first = parser.next();
    expect(parser.next()).toBe(first);
    expect(new TextParser(MAX_ITEM).push(Buffer.from('get a\r\nget b\r\ndelete a\r\ndelete b\r\n')).map(plain)).toEqual([
      get('a'),
      get('b'),
      del('a'),
      del('b'),
    ]);
  });

  it('keeps one request per command line over a long random pipeline', () => {
    // Random valid and invalid commands; the count of requests must equal the count of command lines.
    const random = new Random(42);
    const parts: string[] = [];
    let commands = 0;
    for (let i = 0; i < 2000; i++) {
      const kind = random.int(0, 5);
      const n = random.int(0, 2 * MAX_ITEM);
      if (kind === 0) parts.push(`set q ${random.int(0, 99)} 0 ${n}\r\n${'\r\n'.repeat(n).slice(0, n)}\r\n`);
      else if (kind === 1) parts.push(`set q x 0 ${n} noreply\r\n${'v'.repeat(n)}\r\n`);
      else if (kind === 2) parts.push(`get q/t=${n} r\r\n`);
      else if (kind === 3) parts.push(`bogus ${n}\n`);
      else if (kind === 4) parts.push(`delete q ${n % 2}\r\n`);
      else parts.push(`set q 0 0 ${n} x\r\n${'e'.repeat(n)}\r\n`);
      commands++;
    }
    const input = Buffer.from(parts.join(''), 'latin1');
    const whole = feed([input]);
    expect(whole).toHaveLength(commands);
    expect(feed(randomChunks(input, new Random(7), 300))).toEqual(whole);
    expect(feed(randomChunks(input, new Random(8), 3))).toEqual(whole);
  });
});

describe('tokenize', () => {
  it('splits on runs of spaces and ignores leading and trailing whitespace', () => {
    expect(tokenize('  set  k 16 0 11 ')).toEqual(['set', 'k', '16', '0', '11']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   ')).toEqual([]);
    expect(tokenize('a\tb')).toEqual(['a', 'b']);
  });
});
