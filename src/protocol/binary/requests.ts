/**
 * Typed binary requests, and the rules that turn a well-framed packet into one: which opcode means
 * what to rq, and which extras/key/value shapes each accepts (memcached's own checks, spec section 4).
 * Every packet becomes exactly one request, so replies stay in step with requests.
 */
import { keyStrings } from '../key-strings.js';
import { readUint32 } from './packet.js';
import type { Refillable } from '../refillable.js';
import { FLUSH_EXTRAS_BYTES, OP, SET_EXTRAS_BYTES, TOUCH_EXTRAS_BYTES, VERBOSITY_EXTRAS_BYTES } from './constants.js';

interface Base {
  /** Echoed in the reply, exactly. */
  readonly opcode: number;
  readonly opaque: number;
}

/** GET, GETQ, GETK, GETKQ: reserve (or what the key's options say). */
export interface BinaryGet extends Base {
  readonly type: 'get';
  /** The key as sent, options included (latin1). */
  readonly key: string;
  /** GETK/GETKQ: the reply carries the key. */
  readonly withKey: boolean;
  /** GETQ/GETKQ: a miss sends nothing. */
  readonly quiet: boolean;
}

/** SET, SETQ: enqueue. */
export interface BinarySet extends Base {
  readonly type: 'set';
  readonly key: string;
  readonly flags: number;
  /** memcache exptime, unsigned as on the wire (0 = never; ≤ 30 days relative seconds; else unix time). */
  readonly exptime: number;
  /** A view of the received bytes: copy it to keep it. */
  readonly value: Buffer;
  readonly quiet: boolean;
}

/** DELETE, DELETEQ: acknowledge (or release with `/abort`). */
export interface BinaryDelete extends Base {
  readonly type: 'delete';
  readonly key: string;
  /** The CAS field: 0 = none; else the item id to act on. */
  readonly cas: number;
  readonly quiet: boolean;
}

/** TOUCH: renews a reservation's lease (docs/protocol.md: binary TOUCH). */
export interface BinaryTouch extends Base {
  readonly type: 'touch';
  readonly key: string;
  /** memcache exptime, unsigned as on the wire. */
  readonly exptime: number;
}

/** FLUSH, FLUSHQ: every queue (queue null), or one queue when a key is given (rq's extension). */
export interface BinaryFlush extends Base {
  readonly type: 'flush';
  readonly queue: string | null;
  /** Seconds before the flush of every queue takes effect; 0 = now. */
  readonly delay: number;
  readonly quiet: boolean;
}

export interface BinaryStat extends Base {
  readonly type: 'stat';
  /** The stats group; '' = everything. */
  readonly group: string;
}

export interface BinarySimple extends Base {
  readonly type: 'noop' | 'version' | 'verbosity';
}

export interface BinaryQuit extends Base {
  readonly type: 'quit';
  /** QUITQ: close without a reply. */
  readonly quiet: boolean;
}

/** SASL_LIST_MECHS: which mechanisms the server offers. */
export interface BinarySaslList extends Base {
  readonly type: 'sasl_list';
}

/** SASL_AUTH (the mechanism is the key, the client's message the value), or SASL_STEP (a later step). */
export interface BinarySaslAuth extends Base {
  readonly type: 'sasl_auth';
  readonly step: boolean;
  readonly mechanism: string;
  /** A view of the received bytes. */
  readonly data: Buffer;
}

/** A memcache command a queue has no meaning for: status 0x0083 Not supported. */
export interface BinaryUnsupported extends Base {
  readonly type: 'unsupported';
  /** The command's name, for the message. */
  readonly command: string;
}

/** An opcode rq does not know: status 0x0081. */
export interface BinaryUnknown extends Base {
  readonly type: 'unknown';
}

/** A packet whose extras, key or value do not fit its opcode: status 0x0004 with the reason. */
export interface BinaryInvalid extends Base {
  readonly type: 'invalid';
  readonly reason: string;
}

/** A packet whose value exceeded the item size limit; its body was skipped: status 0x0003. */
export interface BinaryTooLarge extends Base {
  readonly type: 'too_large';
  readonly valueLength: number;
}

/**
 * A packet whose body spans reads and may not be held: before login, larger than a login needs;
 * after, more than the server may hold of data still arriving (PartialBytes). Its body was skipped:
 * status 0x0082 Out of memory with the reason.
 */
export interface BinaryNoRoom extends Base {
  readonly type: 'no_room';
  readonly reason: string;
}

/** A stream that cannot be followed (bad magic, key and extras longer than the body): reply and close. */
export interface BinaryFatal extends Base {
  readonly type: 'fatal';
  readonly reason: string;
}

export type BinaryRequest =
  | BinaryGet
  | BinarySet
  | BinaryDelete
  | BinaryTouch
  | BinaryFlush
  | BinaryStat
  | BinarySimple
  | BinaryQuit
  | BinarySaslList
  | BinarySaslAuth
  | BinaryUnsupported
  | BinaryUnknown
  | BinaryInvalid
  | BinaryTooLarge
  | BinaryNoRoom
  | BinaryFatal;

/** Commands refused as in the text protocol (docs/protocol.md): their names by opcode. */
const UNSUPPORTED: ReadonlyMap<number, string> = new Map([
  [OP.ADD, 'add'],
  [OP.ADDQ, 'add'],
  [OP.REPLACE, 'replace'],
  [OP.REPLACEQ, 'replace'],
  [OP.APPEND, 'append'],
  [OP.APPENDQ, 'append'],
  [OP.PREPEND, 'prepend'],
  [OP.PREPENDQ, 'prepend'],
  [OP.INCREMENT, 'incr'],
  [OP.INCREMENTQ, 'incr'],
  [OP.DECREMENT, 'decr'],
  [OP.DECREMENTQ, 'decr'],
  [OP.GAT, 'gat'],
  [OP.GATQ, 'gat'],
  [OP.GATK, 'gat'],
  [OP.GATKQ, 'gat'],
]);

/** A request header as the parser read it (spec section 2). */
export interface RequestHeader {
  readonly opcode: number;
  readonly keyLength: number;
  readonly extrasLength: number;
  readonly dataType: number;
  readonly bodyLength: number;
  readonly opaque: number;
  readonly cas: number;
}

/** Request objects a parser lends out again and again: a GET, SET or DELETE is written into these. */
export interface ReusedRequests {
  readonly get: Refillable<BinaryGet>;
  readonly set: Refillable<BinarySet>;
  readonly delete: Refillable<BinaryDelete>;
}

/** A parser's own ReusedRequests. */
export function reusedRequests(): ReusedRequests {
  const echo = { opcode: 0, opaque: 0 };
  return {
    get: { type: 'get', ...echo, key: '', withKey: false, quiet: false },
    set: { type: 'set', ...echo, key: '', flags: 0, exptime: 0, value: Buffer.alloc(0), quiet: false },
    delete: { type: 'delete', ...echo, key: '', cas: 0, quiet: false },
  };
}

/**
 * Turns one framed packet into a typed request: `h` its header, its body in `buf` from `at`.
 * Reads fields in place (no views but the value of a SET, which it must hand on). Never throws.
 * A GET, SET or DELETE is written into `reused`, overwriting the one before.
 */
export function interpret(h: RequestHeader, buf: Buffer, at: number, reused: ReusedRequests): BinaryRequest {
  const { opcode, opaque } = h;
  const unsupported = UNSUPPORTED_BY_OPCODE[opcode];
  if (unsupported !== undefined) return { type: 'unsupported', opcode, opaque, command: unsupported };
  if (KNOWN_BY_OPCODE[opcode] !== 1) return { type: 'unknown', opcode, opaque };
  // Spec 3.4: raw bytes is the only data type; anything else would be a value rq cannot read.
  if (h.dataType !== 0) return invalid(h, `data type ${h.dataType} is not supported (only 0, raw bytes)`);
  const extras = h.extrasLength;
  const keyStart = at + extras;
  const keyEnd = keyStart + h.keyLength;
  const valueLength = h.bodyLength - extras - h.keyLength;
  const key = h.keyLength === 0 ? '' : keyStrings.get(buf, keyStart, keyEnd);
  switch (opcode) {
    case OP.GET:
    case OP.GETQ:
    case OP.GETK:
    case OP.GETKQ:
      if (extras !== 0 || valueLength !== 0) return invalid(h, 'get takes a key and nothing else');
      if (key.length === 0) return invalid(h, 'get needs a key');
      {
        const r = reused.get;
        r.opcode = opcode;
        r.opaque = opaque;
        r.key = key;
        r.withKey = opcode === OP.GETK || opcode === OP.GETKQ;
        r.quiet = opcode === OP.GETQ || opcode === OP.GETKQ;
        return r;
      }
    case OP.SET:
    case OP.SETQ:
      if (extras !== SET_EXTRAS_BYTES) return invalid(h, `set needs ${SET_EXTRAS_BYTES} bytes of extras (flags, expiration)`);
      if (key.length === 0) return invalid(h, 'set needs a key');
      // A SET with a CAS is memcache's compare-and-swap, refused as the text protocol's `cas` is.
      if (h.cas !== 0) return { type: 'unsupported', opcode, opaque, command: 'cas' };
      {
        const r = reused.set;
        r.opcode = opcode;
        r.opaque = opaque;
        r.key = key;
        r.flags = readUint32(buf, at);
        r.exptime = readUint32(buf, at + 4);
        r.value = buf.subarray(keyEnd, keyEnd + valueLength);
        r.quiet = opcode === OP.SETQ;
        return r;
      }
    case OP.DELETE:
    case OP.DELETEQ:
      if (extras !== 0 || valueLength !== 0) return invalid(h, 'delete takes a key and nothing else');
      if (key.length === 0) return invalid(h, 'delete needs a key');
      {
        const r = reused.delete;
        r.opcode = opcode;
        r.opaque = opaque;
        r.key = key;
        r.cas = h.cas;
        r.quiet = opcode === OP.DELETEQ;
        return r;
      }
    case OP.TOUCH:
      if (extras !== TOUCH_EXTRAS_BYTES || valueLength !== 0)
        return invalid(h, `touch needs ${TOUCH_EXTRAS_BYTES} bytes of extras (expiration), a key and no value`);
      if (key.length === 0) return invalid(h, 'touch needs a key');
      return { type: 'touch', opcode, opaque, key, exptime: readUint32(buf, at) };
    case OP.FLUSH:
    case OP.FLUSHQ: {
      if (valueLength !== 0) return invalid(h, 'flush takes no value');
      if (extras !== 0 && extras !== FLUSH_EXTRAS_BYTES)
        return invalid(h, `flush takes 0 or ${FLUSH_EXTRAS_BYTES} bytes of extras`);
      const delay = extras === 0 ? 0 : readUint32(buf, at);
      if (key.length > 0 && delay !== 0) return invalid(h, 'flush of one queue takes no delay');
      return { type: 'flush', opcode, opaque, queue: key.length > 0 ? key : null, delay, quiet: opcode === OP.FLUSHQ };
    }
    case OP.STAT:
      if (extras !== 0 || valueLength !== 0) return invalid(h, 'stat takes an optional key and nothing else');
      return { type: 'stat', opcode, opaque, group: key };
    case OP.SASL_LIST_MECHS:
      if (h.bodyLength !== 0) return invalid(h, 'sasl list mechs takes no body');
      return { type: 'sasl_list', opcode, opaque };
    case OP.SASL_AUTH:
    case OP.SASL_STEP:
      if (extras !== 0) return invalid(h, 'sasl auth takes no extras');
      return {
        type: 'sasl_auth',
        opcode,
        opaque,
        step: opcode === OP.SASL_STEP,
        mechanism: key,
        data: buf.subarray(keyEnd, keyEnd + valueLength),
      };
    case OP.VERBOSITY:
      if (extras !== VERBOSITY_EXTRAS_BYTES || key.length !== 0 || valueLength !== 0) {
        return invalid(h, `verbosity takes ${VERBOSITY_EXTRAS_BYTES} bytes of extras and nothing else`);
      }
      return { type: 'verbosity', opcode, opaque };
    default: {
      // NOOP, VERSION, QUIT, QUITQ: header only.
      if (h.bodyLength !== 0) return invalid(h, 'this command takes no body');
      if (opcode === OP.QUIT || opcode === OP.QUITQ) return { type: 'quit', opcode, opaque, quiet: opcode === OP.QUITQ };
      return { type: opcode === OP.NOOP ? 'noop' : 'version', opcode, opaque };
    }
  }
}

/**
 * The opcodes interpret() handles; everything else is an unknown command. SASL requests are read
 * here and answered "unknown command" by the session unless the server has `--auth-file`.
 */
const KNOWN: ReadonlySet<number> = new Set([
  OP.GET,
  OP.GETQ,
  OP.GETK,
  OP.GETKQ,
  OP.SET,
  OP.SETQ,
  OP.DELETE,
  OP.DELETEQ,
  OP.TOUCH,
  OP.FLUSH,
  OP.FLUSHQ,
  OP.STAT,
  OP.VERBOSITY,
  OP.NOOP,
  OP.VERSION,
  OP.QUIT,
  OP.QUITQ,
  OP.SASL_LIST_MECHS,
  OP.SASL_AUTH,
  OP.SASL_STEP,
]);

/** UNSUPPORTED and KNOWN as arrays indexed by opcode (a byte): what interpret() looks up per packet. */
const UNSUPPORTED_BY_OPCODE: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, op) => UNSUPPORTED.get(op));
const KNOWN_BY_OPCODE = Uint8Array.from({ length: 256 }, (_, op) => (KNOWN.has(op) ? 1 : 0));

/** A packet whose extras, key or value do not fit its opcode. */
function invalid(h: RequestHeader, reason: string): BinaryInvalid {
  return { type: 'invalid', opcode: h.opcode, opaque: h.opaque, reason };
}
