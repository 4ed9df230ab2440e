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
/** The longest delay a `delay=` option may ask for: a year, long past any retry or schedule a queue serves. */
export const MAX_DELAY_MS = 365 * 24 * 60 * 60 * 1000;
/** Digits a `delay=` value may have: those of MAX_DELAY_MS. */
const DELAY_DIGITS = String(MAX_DELAY_MS).length;

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
  /** With abort: the item comes back at the tail after this many ms (0 = at the head, now). */
  readonly delayMs: number;
  /** Show the item's delivery count in the reply's key (`<key>=<count>`). */
  readonly deliveries: boolean;
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

function parseMs(value: string, what: string, max: number, maxDigits = 10): number {
  if (value.length === 0 || value.length > maxDigits || !/^[0-9]+$/.test(value))
    throw new KeyError(`${what} needs a whole number of milliseconds`);
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
const OPTION_NAMES: ReadonlySet<string> = new Set(['open', 'close', 'abort', 'peek', 't', 'lease', 'id', 'delay', 'deliveries']);

/** Options written `name=<value>`. */
const VALUED: ReadonlySet<string> = new Set(['t', 'lease', 'id', 'delay']);

/** Parses a `delay=` value. */
function parseDelay(value: string): number {
  return parseMs(value, 'delay=', MAX_DELAY_MS, DELAY_DIGITS);
}

/** Parses `name[/option…]`. Throws KeyError with a reason fit for `CLIENT_ERROR`. */
export function parseKey(key: string): KeyOptions {
  const slash = key.indexOf('/');
  const queue = checkedQueue(key, slash);
  if (slash < 0) {
    return {
      queue,
      open: true,
      close: false,
      abort: false,
      peek: false,
      waitMs: 0,
      leaseMs: 0,
      id: -1,
      delayMs: 0,
      deliveries: false,
      plain: true,
    };
  }
  let open = false,
    close = false,
    abort = false,
    peek = false,
    deliveries = false;
  let waitMs = -1,
    leaseMs = -1,
    id = -1,
    delayMs = -1;
  const seen = new Set<string>();
  for (const option of key.slice(slash + 1).split('/')) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    if (seen.has(name)) throw new KeyError(`option ${name} given twice`);
    seen.add(name);
    // Unknown names first, so that a typo such as `timeout=5` is not reported as "takes no value".
    if (!OPTION_NAMES.has(name)) throw new KeyError(`unknown option ${JSON.stringify(name)}`);
    const value = eq < 0 ? null : option.slice(eq + 1);
    const needsValue = VALUED.has(name);
    if (needsValue !== (value !== null)) {
      throw new KeyError(needsValue ? `option ${name} needs =<value>` : `option ${name} takes no value`);
    }
    switch (name) {
      case 'open':
        open = true;
        break;
      case 'close':
        close = true;
        break;
      case 'abort':
        abort = true;
        break;
      case 'peek':
        peek = true;
        break;
      case 't':
        waitMs = parseMs(value!, 't=', MAX_WAIT_MS);
        break;
      case 'lease':
        leaseMs = parseMs(value!, 'lease=', MAX_LEASE_MS);
        break;
      case 'id':
        id = parseId(value!);
        break;
      case 'delay':
        delayMs = parseDelay(value!);
        break;
      case 'deliveries':
        deliveries = true;
        break;
      default:
        throw new KeyError(`unknown option ${JSON.stringify(name)}`);
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
  if (delayMs >= 0 && !abort) throw new KeyError(DELAY_NEEDS_ABORT);
  if (deliveries && !open && !peek) throw new KeyError('deliveries needs open or peek');
  return {
    queue,
    open,
    close,
    abort,
    peek,
    waitMs: Math.max(waitMs, 0),
    leaseMs: Math.max(leaseMs, 0),
    id,
    delayMs: Math.max(delayMs, 0),
    deliveries,
    plain: false,
  };
}

/**
 * Keys repeat on every request of a worker loop, so parsed keys are cached, one cache per kind of key.
 * Each cache is bounded: a client sending endless distinct keys cannot grow it.
 */
const CACHE_LIMIT = 4096;

/** `parse` with a bounded cache in `cache`; returns a KeyError instead of throwing. */
function cachedParse<T>(cache: Map<string, T | KeyError>, key: string, parse: (key: string) => T): T | KeyError {
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = parse(key);
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      hit = err;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

const cache = new Map<string, KeyOptions | KeyError>();

/** parseKey with a bounded cache; returns a KeyError instead of throwing. */
export function parseKeyCached(key: string): KeyOptions | KeyError {
  return cachedParse(cache, key, parseKey);
}

const DELAY_NEEDS_ABORT = 'delay= needs abort';

/** What a `delete` key asks for: end a reservation by acknowledging it, or by putting it back (abort). */
export interface DeleteTarget {
  readonly queue: string;
  /** Put the item back at the head instead of acknowledging it. */
  readonly abort: boolean;
  /** The item to act on; -1 = the oldest item this connection holds. */
  readonly id: number;
  /** With abort: the item comes back at the tail after this many ms (0 = at the head, now). */
  readonly delayMs: number;
  /**
   * With abort (`outcome`): the reply says `DEAD_LETTERED` when the item moved to `<queue>.dead`
   * instead of going back (docs/protocol.md: delete).
   */
  readonly outcome: boolean;
}

/**
 * What a release with the `outcome` option answers, in both protocols (text: the reply line; binary:
 * a success's value), when the item moved to `<queue>.dead` instead of going back.
 */
export const DEAD_LETTERED_REPLY = 'DEAD_LETTERED';

/**
 * Parses a `delete` key: `q`, `q/id=<n>`, `q/abort`, `q/abort/id=<n>`, each abort with an optional
 * `delay=<ms>` and `outcome` (docs/protocol.md: delete). Throws KeyError.
 */
export function parseDeleteKey(key: string): DeleteTarget {
  const slash = key.indexOf('/');
  const queue = checkedQueue(key, slash);
  let abort = false,
    outcome = false;
  let id = -1,
    delayMs = -1;
  if (slash >= 0) {
    const seen = new Set<string>();
    for (const option of key.slice(slash + 1).split('/')) {
      const name = option.startsWith('id=') ? 'id' : option.startsWith('delay=') ? 'delay' : option;
      if (seen.has(name)) throw new KeyError(`option ${name} given twice`);
      seen.add(name);
      if (name === 'abort') abort = true;
      else if (name === 'close') continue;
      else if (name === 'id') id = parseId(option.slice(3));
      else if (name === 'delay') delayMs = parseDelay(option.slice(6));
      else if (name === 'outcome') outcome = true;
      else
        throw new KeyError(`delete takes only the options abort, id=<n>, delay=<ms> and outcome, not ${JSON.stringify(option)}`);
    }
    if (abort && seen.has('close')) throw new KeyError('abort cannot be combined with close');
    if (delayMs >= 0 && !abort) throw new KeyError(DELAY_NEEDS_ABORT);
    if (outcome && !abort) throw new KeyError('outcome needs abort');
  }
  return { queue, abort, id, delayMs: Math.max(delayMs, 0), outcome };
}

/** What a `set` key asks for: the queue, and how long the new item waits before it is ready. */
export interface SetTarget {
  readonly queue: string;
  /** 0 = ready at once. */
  readonly delayMs: number;
}

/** Parses a `set` key: `q` or `q/delay=<ms>` (docs/protocol.md: set). Throws KeyError. */
export function parseSetKey(key: string): SetTarget {
  const slash = key.indexOf('/');
  const queue = checkedQueue(key, slash);
  if (slash < 0) return { queue, delayMs: 0 };
  const option = key.slice(slash + 1);
  if (!option.startsWith('delay='))
    throw new KeyError('set takes only the option delay=<ms>: other options belong to get and delete');
  return { queue, delayMs: parseDelay(option.slice(6)) };
}

/** What a `touch` key asks for: whose lease to renew, and for how long if the key says. */
export interface TouchTarget {
  readonly queue: string;
  /** The item to renew; -1 = every item this connection holds on the queue. */
  readonly id: number;
  /** The new lease in ms, overriding touch's exptime; -1 = none given. */
  readonly leaseMs: number;
}

/** Parses a `touch` key: `q`, `q/id=<n>`, each with an optional `lease=<ms>` (docs/protocol.md: touch). Throws KeyError. */
export function parseTouchKey(key: string): TouchTarget {
  const slash = key.indexOf('/');
  const queue = checkedQueue(key, slash);
  let id = -1,
    leaseMs = -1;
  if (slash >= 0) {
    const seen = new Set<string>();
    for (const option of key.slice(slash + 1).split('/')) {
      const eq = option.indexOf('=');
      const name = eq < 0 ? option : option.slice(0, eq);
      if (seen.has(name)) throw new KeyError(`option ${name} given twice`);
      seen.add(name);
      if (name === 'id' && eq > 0) id = parseId(option.slice(eq + 1));
      else if (name === 'lease' && eq > 0) leaseMs = parseMs(option.slice(eq + 1), 'lease=', MAX_LEASE_MS);
      else throw new KeyError(`touch takes only the options id=<n> and lease=<ms>, not ${JSON.stringify(option)}`);
    }
    if (leaseMs === 0) throw new KeyError('lease= must be at least 1 ms');
  }
  return { queue, id, leaseMs };
}

const deleteCache = new Map<string, DeleteTarget | KeyError>();

/** parseDeleteKey with a bounded cache; returns a KeyError instead of throwing. */
export function parseDeleteKeyCached(key: string): DeleteTarget | KeyError {
  return cachedParse(deleteCache, key, parseDeleteKey);
}

const setCache = new Map<string, SetTarget | KeyError>();

/** parseSetKey with a bounded cache; returns a KeyError instead of throwing. */
export function parseSetKeyCached(key: string): SetTarget | KeyError {
  return cachedParse(setCache, key, parseSetKey);
}

const touchCache = new Map<string, TouchTarget | KeyError>();

/** parseTouchKey with a bounded cache; returns a KeyError instead of throwing. */
export function parseTouchKeyCached(key: string): TouchTarget | KeyError {
  return cachedParse(touchCache, key, parseTouchKey);
}

/** The queue name of `key`, whose first '/' is at `slash` (-1: none); throws KeyError when the name is not valid. */
function checkedQueue(key: string, slash: number): string {
  const queue = slash < 0 ? key : key.slice(0, slash);
  const nameError = queueNameError(queue);
  if (nameError) throw new KeyError(nameError);
  return queue;
}
