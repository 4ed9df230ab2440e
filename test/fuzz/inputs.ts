/**
 * Hostile input for the protocol fuzz test: command streams built from valid commands of both
 * protocols, then damaged (bytes flipped, data blocks cut short, lengths made huge or made to lie,
 * random bytes spliced in). Deterministic for a seed.
 *
 * Inputs never name a well-behaved client's queue and never flush or drop every queue: those are
 * legitimate commands whose effect on the good clients would be correct, not a bug (scrub()).
 */
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { OP } from '../../src/protocol/binary/constants.js';

/** The fuzz test's seeded generator is the suite's own (test/helpers/random.ts). */
import { Random as Rng } from '../helpers/random.js';

export { Rng };

/** The prefix of the well-behaved clients' queues; fuzz input never contains it. */
export const GOOD_PREFIX = 'good';

const NAMES = ['f', 'fz', 'q', 'jobs', 'x'.repeat(250), 'x'.repeat(251), 'a/b', 'é', 'q\0'];
const OPTIONS = [
  '',
  '/open',
  '/close',
  '/abort',
  '/peek',
  '/close/open',
  '/t=5',
  '/t=50',
  '/lease=20',
  '/id=1',
  '/id=99999999999',
  '/open/peek',
  '/t=abc',
  '/lease=',
  '/close/abort',
  '/t=99999999999',
  '//',
  '/unknown=1',
];

function key(r: Rng): string {
  return r.pick(NAMES) + (r.chance(0.5) ? r.pick(OPTIONS) : '') + (r.chance(0.1) ? r.pick(OPTIONS) : '');
}

function data(r: Rng): Buffer {
  const size = r.pick([0, 1, 5, 64, 1000, r.int(0, 70_000)]);
  return r.chance(0.5) ? Buffer.alloc(size, 0x61 + r.int(0, 25)) : r.bytes(size);
}

/** One valid-looking text command (it may still be refused: that is part of the test). */
function textCommand(r: Rng): Buffer {
  const d = data(r);
  const noreply = r.chance(0.2) ? ' noreply' : '';
  switch (r.int(0, 11)) {
    case 0:
    case 1:
    case 2:
      return Buffer.concat([
        Buffer.from(`set ${r.pick(NAMES)} ${r.int(0, 70000)} ${r.pick([0, -1, 1, 2592001])} ${d.length}${noreply}\r\n`, 'latin1'),
        d,
        Buffer.from('\r\n'),
      ]);
    case 3:
    case 4:
      return Buffer.from(
        `${r.pick(['get', 'gets'])} ${Array.from({ length: r.int(1, 4) }, () => key(r)).join(' ')}\r\n`,
        'latin1',
      );
    case 5:
      return Buffer.from(`delete ${key(r)}${noreply}\r\n`, 'latin1');
    case 6:
      return Buffer.from(
        r.pick(['stats\r\n', 'stats settings\r\n', 'stats nope\r\n', 'version\r\n', 'verbosity 1\r\n', 'quit\r\n']),
        'latin1',
      );
    case 7:
      return Buffer.concat([
        Buffer.from(`${r.pick(['add', 'replace', 'append', 'prepend'])} ${r.pick(NAMES)} 0 0 ${d.length}\r\n`, 'latin1'),
        d,
        Buffer.from('\r\n'),
      ]);
    case 8:
      return Buffer.from(`${r.pick(['incr', 'decr', 'touch', 'gat'])} ${r.pick(NAMES)} 1\r\n`, 'latin1');
    case 9:
      return Buffer.from(`cas ${r.pick(NAMES)} 0 0 1 5\r\nx\r\n`, 'latin1');
    case 10:
      // Huge and lying lengths.
      return Buffer.from(
        `set ${r.pick(NAMES)} 0 0 ${r.pick(['4294967296', '99999999999', '1048577', '-1', '10', '1e3'])}\r\nshort\r\n`,
        'latin1',
      );
    default:
      return Buffer.from(
        r.pick(['\r\n', ' \r\n', 'GET q\r\n', 'get\r\n', 'set q\r\n', 'x'.repeat(r.int(1, 9000)), '\n', '\r']),
        'latin1',
      );
  }
}

/** One binary packet: valid for its opcode, or with lengths that lie about the body. */
function binaryPacket(r: Rng): Buffer {
  const opcode = r.pick([
    OP.GET,
    OP.GETQ,
    OP.GETK,
    OP.GETKQ,
    OP.SET,
    OP.SETQ,
    OP.DELETE,
    OP.DELETEQ,
    OP.STAT,
    OP.VERSION,
    OP.NOOP,
    OP.QUIT,
    OP.ADD,
    OP.INCREMENT,
    OP.SASL_LIST_MECHS,
    OP.SASL_AUTH,
    OP.VERBOSITY,
    OP.TOUCH,
    0x7f,
    0x42,
  ]);
  const extras =
    opcode === OP.SET || opcode === OP.SETQ || opcode === OP.ADD
      ? Buffer.alloc(8)
      : r.chance(0.1)
        ? r.bytes(r.int(1, 20))
        : Buffer.alloc(0);
  const packet = encodeRequest({
    opcode,
    key: opcode === OP.STAT && r.chance(0.7) ? '' : key(r),
    extras,
    value: opcode === OP.SET || opcode === OP.SETQ || r.chance(0.05) ? data(r) : Buffer.alloc(0),
    opaque: r.int(0, 0xffffffff),
    cas: r.chance(0.1) ? r.int(1, 1000) : 0,
  });
  if (r.chance(0.25)) {
    // Lie about a length: the body length, the key length, or the extras length.
    switch (r.int(0, 3)) {
      case 0:
        packet.writeUInt32BE(r.pick([0, 1, packet.length, 0xffffffff, 0x7fffffff, r.int(0, 200_000)]), 8);
        break;
      case 1:
        packet.writeUInt16BE(r.pick([0, 0xffff, r.int(0, 300)]), 2);
        break;
      case 2:
        packet[4] = r.int(0, 255);
        break;
      default:
        packet[0] = r.pick([0x80, 0x81, 0x00, 0x7f]);
        break;
    }
  }
  if (r.chance(0.05)) packet[5] = r.int(1, 255); // data type
  return packet;
}

/** Damages a buffer in one of several ways. */
function mutate(r: Rng, b: Buffer): Buffer {
  if (b.length === 0) return b;
  switch (r.int(0, 5)) {
    case 0: {
      const out = Buffer.from(b);
      for (let i = r.int(1, 4); i > 0; i--) out[r.int(0, out.length - 1)] ^= 1 << r.int(0, 7);
      return out;
    }
    case 1:
      return b.subarray(0, r.int(0, b.length - 1)); // truncated (a data block cut short)
    case 2:
      return Buffer.concat([b.subarray(0, r.int(0, b.length)), r.bytes(r.int(1, 64)), b.subarray(r.int(0, b.length))]);
    case 3:
      return Buffer.concat([b, b]);
    case 4: {
      const out = Buffer.from(b);
      out[r.int(0, out.length - 1)] = r.pick([0x0d, 0x0a, 0x20, 0x00, 0x80, 0xff]);
      return out;
    }
    default:
      return b;
  }
}

/**
 * Removes what would let fuzz input touch the good clients legitimately: their queue prefix, and
 * the commands that empty every queue (text flush/flush_all/delete_queue; a binary FLUSH header,
 * which any 0x80 byte followed by 0x08 or 0x18 may become once lengths lie).
 */
export function scrub(input: Buffer): Buffer {
  const out = Buffer.from(input);
  for (const word of [GOOD_PREFIX, 'flush', 'delete_q']) {
    const w = Buffer.from(word, 'latin1');
    for (let at = out.indexOf(w); at >= 0; at = out.indexOf(w, at + 1)) out[at] = 0x5f; // '_'
  }
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i] === 0x80 && (out[i + 1] === OP.FLUSH || out[i + 1] === OP.FLUSHQ)) out[i + 1] = OP.NOOP;
  }
  return out;
}

/** One connection's worth of hostile input, text or binary. */
export function fuzzStream(r: Rng, maxBytes: number): Buffer {
  const binary = r.chance(0.4);
  const parts: Buffer[] = [];
  let total = 0;
  const count = r.int(1, 60);
  for (let i = 0; i < count && total < maxBytes; i++) {
    let part = binary ? binaryPacket(r) : textCommand(r);
    if (r.chance(0.3)) part = mutate(r, part);
    if (r.chance(0.03)) part = r.bytes(r.int(1, 512));
    parts.push(part);
    total += part.length;
  }
  return scrub(Buffer.concat(parts).subarray(0, maxBytes));
}

/** Splits input into chunks of random sizes (byte by byte sometimes), as a network might. */
export function chunks(r: Rng, input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const byteByByte = r.chance(0.05) && input.length < 2000;
  for (let at = 0; at < input.length;) {
    const n = byteByByte ? 1 : r.int(1, r.pick([16, 512, 65536]));
    out.push(input.subarray(at, at + n));
    at += n;
  }
  return out;
}
