/**
 * Queue keys and their options, shared by the text and binary protocols.
 *
 * A key is a queue name followed by options after `/`, as in kestrel:
 * `jobs`, `jobs/open`, `jobs/close/open/t=500`, `jobs/lease=30000`, `jobs/id=42`.
 * Names are byte strings (decoded as latin1 so every byte round-trips exactly);
 * see docs/protocol.md "Keys and options". Unlike kestrel, an unknown or
 * contradictory option is an error, never silently ignored.
 */
import { MAX_QUEUE_NAME_BYTES } from '../queue-name.js';
import { RELATIVE_EXPTIME_LIMIT_S } from './exptime.js';

export { MAX_QUEUE_NAME_BYTES };

/** The longest wait a `t=` option may ask for: one day. */
export const MAX_WAIT_MS = 24 * 60 * 60 * 1000;
/** The longest lease a `lease=` option may ask for: thirty days, memcache's relative-exptime limit. */
export const MAX_LEASE_MS = RELATIVE_EXPTIME_LIMIT_S * 1000;

export interface KeyOptions {
  /** The queue name (latin1 byte string). */
  readonly queue: string;
  /** Reserve the head item. Implied by a bare key. */
  readonly open: boolean;
  /** Acknowledge (the oldest held item, or `id`). */
  readonly close: boolean;
  /** Put a held item back at the head (the oldest held item, or `id`). */
  readonly abort: boolean;
  /** Return the head item without reserving it. */
  readonly peek: boolean;
  /** Wait up to this many ms for an item when the queue is empty; 0 = answer at once. */
  readonly waitMs: number;
  /** Reserve with a lease of this many ms that outlives the connection; 0 = no lease. */
  readonly leaseMs: number;
  /** The item id that `close` or `abort` act on; -1 = the oldest item this connection holds. */
  readonly id: number;
  /** True when the key had no options at all (a plain `get q`). */
  readonly plain: boolean;
}

/**
 * Why a key is wrong. Built without a stack trace: a bad key is an answer to the client, not a bug,
 * and parsed keys are cached (below), where a captured stack would keep the connection that sent
 * the key alive, with its buffers (V8 keeps each frame's receiver until the stack is formatted).
 */
export class KeyError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** True for a byte that may appear in a queue name: printable, not space, not `/`. */
function isNameChar(code: number): boolean {
  return code > 0x20 && code !== 0x7f && code !== 0x2f;
}

/** Checks a bare queue name; returns an error reason or null. */
export function queueNameError(name: string): string | null {
  if (name.length === 0) return 'empty queue name';
  if (name.length > MAX_QUEUE_NAME_BYTES) return `queue name longer than ${MAX_QUEUE_NAME_BYTES} bytes`;
  for (let i = 0; i < name.length; i++) {
    if (!isNameChar(name.charCodeAt(i))) return 'queue name contains a space, control character or /';
  }
  return null;
}

function parseMs(value: string, what: string, max: number): number {
  if (!/^[0-9]{1,10}$/.test(value)) throw new KeyError(`${what} needs a whole number of milliseconds`);
  const ms = Number(value);
  if (ms > max) throw new KeyError(`${what} is larger than ${max} ms`);
  return ms;
}

function parseId(value: string): number {
  if (!/^[0-9]{1,16}$/.test(value)) throw new KeyError('id= needs an item id');
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new KeyError('id= is out of range');
  return id;
}

/** The options of a get key (docs/protocol.md: Keys and options). */
const OPTION_NAMES: ReadonlySet<string> = new Set(['open', 'close', 'abort', 'peek', 't', 'lease', 'id']);

/** Parses `name[/option…]`. Throws KeyError with a reason fit for `CLIENT_ERROR`. */
export function parseKey(key: string): KeyOptions {
  const slash = key.indexOf('/');
  const queue = slash < 0 ? key : key.slice(0, slash);
  const nameError = queueNameError(queue);
  if (nameError) throw new KeyError(nameError);
  if (slash < 0) {
    return { queue, open: true, close: false, abort: false, peek: false, waitMs: 0, leaseMs: 0, id: -1, plain: true };
  }
  let open = false, close = false, abort = false, peek = false;
  let waitMs = -1, leaseMs = -1, id = -1;
  const seen = new Set<string>();
  for (const option of key.slice(slash + 1).split('/')) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    if (seen.has(name)) throw new KeyError(`option ${name} given twice`);
    seen.add(name);
    // Unknown names first, so that a typo such as `timeout=5` is not reported as "takes no value".
    if (!OPTION_NAMES.has(name)) throw new KeyError(`unknown option ${JSON.stringify(name)}`);
    const value = eq < 0 ? null : option.slice(eq + 1);
    const needsValue = name === 't' || name === 'lease' || name === 'id';
    if (needsValue !== (value !== null)) {
      throw new KeyError(needsValue ? `option ${name} needs =<value>` : `option ${name} takes no value`);
    }
    switch (name) {
      case 'open': open = true; break;
      case 'close': close = true; break;
      case 'abort': abort = true; break;
      case 'peek': peek = true; break;
      case 't': waitMs = parseMs(value!, 't=', MAX_WAIT_MS); break;
      case 'lease': leaseMs = parseMs(value!, 'lease=', MAX_LEASE_MS); break;
      case 'id': id = parseId(value!); break;
      default: throw new KeyError(`unknown option ${JSON.stringify(name)}`);
    }
  }
  if (peek && (open || close || abort)) throw new KeyError('peek cannot be combined with open, close or abort');
  if (abort && (open || close)) throw new KeyError('abort cannot be combined with open or close');
  if (leaseMs === 0) throw new KeyError('lease= must be at least 1 ms');
  // A key with only t= or lease= still means "reserve".
  if (!close && !abort && !peek) open = true;
  if (waitMs >= 0 && !open && !peek) throw new KeyError('t= needs open or peek');
  if (leaseMs > 0 && !open) throw new KeyError('lease= needs open');
  if (id > 0 && !close && !abort) throw new KeyError('id= needs close or abort');
  return {
    queue, open, close, abort, peek,
    waitMs: Math.max(waitMs, 0), leaseMs: Math.max(leaseMs, 0), id, plain: false,
  };
}

/**
 * Keys repeat on every request of a worker loop, so parsed keys are cached.
 * The cache is bounded: a client sending endless distinct keys cannot grow it.
 */
const CACHE_LIMIT = 4096;
const cache = new Map<string, KeyOptions | KeyError>();

/** parseKey with a bounded cache; returns a KeyError instead of throwing. */
export function parseKeyCached(key: string): KeyOptions | KeyError {
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = parseKey(key);
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      hit = err;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

/** What a `delete` key asks for: end a reservation by acknowledging it, or by putting it back (abort). */
export interface DeleteTarget {
  readonly queue: string;
  /** Put the item back at the head instead of acknowledging it. */
  readonly abort: boolean;
  /** The item to act on; -1 = the oldest item this connection holds. */
  readonly id: number;
}

/**
 * Parses a `delete` key: `q`, `q/id=<n>`, `q/abort`, `q/abort/id=<n>` (docs/protocol.md: delete).
 * Throws KeyError.
 */
export function parseDeleteKey(key: string): DeleteTarget {
  const slash = key.indexOf('/');
  const queue = slash < 0 ? key : key.slice(0, slash);
  const nameError = queueNameError(queue);
  if (nameError) throw new KeyError(nameError);
  let abort = false;
  let id = -1;
  if (slash >= 0) {
    const seen = new Set<string>();
    for (const option of key.slice(slash + 1).split('/')) {
      const name = option.startsWith('id=') ? 'id' : option;
      if (seen.has(name)) throw new KeyError(`option ${name} given twice`);
      seen.add(name);
      if (name === 'abort') abort = true;
      else if (name === 'close') continue;
      else if (name === 'id') id = parseId(option.slice(3));
      else throw new KeyError(`delete takes only the options abort and id=<n>, not ${JSON.stringify(option)}`);
    }
    if (abort && seen.has('close')) throw new KeyError('abort cannot be combined with close');
  }
  return { queue, abort, id };
}

const deleteCache = new Map<string, DeleteTarget | KeyError>();

/** parseDeleteKey with a bounded cache; returns a KeyError instead of throwing. */
export function parseDeleteKeyCached(key: string): DeleteTarget | KeyError {
  let hit = deleteCache.get(key);
  if (hit === undefined) {
    try {
      hit = parseDeleteKey(key);
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      hit = err;
    }
    if (deleteCache.size >= CACHE_LIMIT) deleteCache.clear();
    deleteCache.set(key, hit);
  }
  return hit;
}
