/**
 * The memcache text-protocol parser: a push-fed state machine, bytes in, typed requests out, one
 * at a time (feed, then next) so that the worker loop's requests need no object of their own.
 * Pure: no sockets, no queue. memcached protocol.txt is the reference for the grammar;
 * docs/protocol.md says where rq differs.
 *
 * Promises:
 * - any split of the input into chunks yields the same requests (byte by byte included);
 * - every command line yields exactly one request, so replies stay in step with commands;
 * - a data block larger than the limit is skipped byte-exactly, keeping the stream in sync;
 * - memory is bounded: a line is at most MAX_LINE_BYTES, a data block at most maxItemSize;
 *   anything longer is answered with an error (and for a line, the connection closes); before
 *   login (limitToLogin) a line or data block that spans reads is at most LOGIN_REQUEST_BYTES;
 * - a data block that spans reads is held only while the shared PartialBytes has room for it;
 *   otherwise it is skipped and answered with an error.
 */
import { BEFORE_LOGIN_REFUSAL, LOGIN_REQUEST_BYTES } from '../credentials.js';
import { keyStrings } from '../key-strings.js';
import type { Refillable } from '../refillable.js';
import { noRoomReason, PartialBytes } from '../partial-bytes.js';
import type { DeleteRequest, GetRequest, StorageCommand, StorageRequest, TextRequest } from './requests.js';
import { MAX_LINE_BYTES, clientError, serverError, ERROR } from './words.js';

const LF = 0x0a;
const CR = 0x0d;

/** memcache flags are 32-bit unsigned (memcached protocol.txt: "flags is an arbitrary 16-bit/32-bit unsigned integer"). */
const MAX_FLAGS = 0xffffffff;

interface PendingData {
  command: StorageCommand;
  key: string;
  flags: number;
  exptime: number;
  noreply: boolean;
  /** n data bytes plus the trailing CRLF. */
  size: number;
  /** Collects a block that spans reads; null while the block may still be taken as a view. */
  block: Buffer | null;
  filled: number;
}

const EMPTY = Buffer.alloc(0);

const STORAGE_COMMANDS: ReadonlySet<string> = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);

const INTEGER = /^[0-9]+$/;
const SIGNED_INTEGER = /^-?[0-9]+$/;

export class TextParser {
  /** The bytes fed, parsed up to `pos`. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** A line that spans reads, copied: the next bytes fed continue it. */
  private leftover: Buffer | null = null;
  /** The storage command whose data block is awaited: `pendingData` while there is one, else null. */
  private pending: PendingData | null = null;
  /** The one PendingData of this parser, reused: there is never more than one block awaited. */
  private readonly pendingData: PendingData = {
    command: 'set',
    key: '',
    flags: 0,
    exptime: 0,
    noreply: false,
    size: 0,
    block: null,
    filled: 0,
  };
  /** The requests next() hands out for the worker loop's commands, reused (see next()). */
  private readonly storage: Refillable<StorageRequest> = {
    type: 'storage',
    command: 'set',
    key: '',
    flags: 0,
    exptime: 0,
    data: EMPTY,
    noreply: false,
  };
  private readonly getOne: Refillable<GetRequest> = { type: 'get', command: 'get', keys: [''] };
  private readonly deleteOne: Refillable<DeleteRequest> = { type: 'delete', key: '', noreply: false };
  private swallow = 0;
  private dead = false;
  /** The connection has not logged in: lines and data that span reads are held to a login's size. */
  private beforeLogin = false;

  /** `partial`: the bound on data held across reads, shared by every connection's parser. */
  constructor(
    private readonly maxItemSize: number,
    private readonly partial = new PartialBytes(Infinity),
  ) {}

  /**
   * While `on` (the connection has not logged in), holds across reads only what a login needs
   * (LOGIN_REQUEST_BYTES): a longer partial line closes the connection, and a larger data block
   * still arriving is skipped unread and answered with BEFORE_LOGIN_REFUSAL. Lines and blocks that
   * arrive whole cost nothing to hold and are parsed as usual (a set pipelined behind a login).
   */
  limitToLogin(on: boolean): void {
    this.beforeLogin = on;
  }

  /** The connection is gone: gives back the data held for a block still arriving. */
  release(): void {
    if (this.pending !== null && this.pending.block !== null) this.partial.give(this.pending.size);
    this.pending = null;
    this.leftover = null;
    this.buf = EMPTY;
    this.pos = 0;
    this.dead = true;
  }

  /**
   * Feeds bytes; next() then takes the requests they complete. The parser reads `chunk` in place
   * until next() has taken every request in it, or keepInput() copies what is left.
   */
  feed(chunk: Buffer): void {
    if (this.dead) return;
    if (this.pos < this.buf.length) {
      // Requests not taken yet (their session waits): they come first.
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    } else if (this.leftover !== null) {
      this.buf = Buffer.concat([this.leftover, chunk]);
      this.leftover = null;
    } else {
      this.buf = chunk;
    }
    this.pos = 0;
  }

  /**
   * The next request the bytes fed complete, or null when they complete no more. The object
   * returned for a storage command, and for a plain `get <key>` or `delete <key>`, is this parser's
   * own and is reused by the next call: take what is needed from a request before asking for the
   * next one. A storage request's data may be a view of the bytes fed.
   */
  next(): TextRequest | null {
    const buf = this.buf;
    while (this.pos < buf.length && !this.dead) {
      if (this.pending !== null) {
        const request = this.fillPending(buf);
        if (request !== null) return request;
        continue;
      }
      if (this.swallow > 0) {
        const skip = Math.min(this.swallow, buf.length - this.pos);
        this.swallow -= skip;
        this.pos += skip;
        continue;
      }
      const pos = this.pos;
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        this.pos = buf.length;
        // A CR at the end may be the first half of the line end, so it does not count: a line of
        // exactly the limit is accepted however it is split.
        const lineBytes = buf.length - pos - (buf[buf.length - 1] === CR ? 1 : 0);
        if (lineBytes > (this.beforeLogin ? LOGIN_REQUEST_BYTES : MAX_LINE_BYTES)) return this.fatal('line too long');
        this.leftover = Buffer.from(buf.subarray(pos));
        break;
      }
      let end = lf;
      if (end > pos && buf[end - 1] === CR) end--;
      if (end - pos > MAX_LINE_BYTES) return this.fatal('line too long');
      this.pos = lf + 1;
      let request = this.parseHot(buf, pos, end);
      if (request === undefined) request = this.parseLine(buf.toString('latin1', pos, end));
      if (request !== null) return request;
      // parseLine may have set `pending` (a storage header); TypeScript cannot see that.
      const p = this.pending as PendingData | null;
      if (p !== null && buf.length - this.pos >= p.size) {
        // The whole data block is in this buffer: take a view, no copy.
        this.pending = null;
        const at = this.pos;
        this.pos += p.size;
        return this.finishStorage(p, buf, at);
      }
    }
    // Every byte is taken: let go of the chunk.
    this.buf = EMPTY;
    this.pos = 0;
    return null;
  }

  /** The bytes fed are about to be overwritten (a reused read buffer): copies those not parsed yet. */
  keepInput(): void {
    if (this.pos < this.buf.length) this.buf = Buffer.from(this.buf.subarray(this.pos));
    else this.buf = EMPTY;
    this.pos = 0;
  }

  /** Feeds bytes; returns the requests completed by them, in order, each an object of its own. */
  push(chunk: Buffer): TextRequest[] {
    this.feed(chunk);
    const out: TextRequest[] = [];
    for (let request = this.next(); request !== null; request = this.next()) {
      out.push(request.type === 'get' ? { ...request, keys: [...request.keys] } : { ...request });
    }
    return out;
  }

  /**
   * Copies block bytes of a storage command from `buf` at `this.pos`; returns the request once the block
   * is complete. The block is allocated whole on its first bytes, if it may be held (before login, a
   * login's size; room in PartialBytes); if not, it is skipped and answered with the reason.
   */
  private fillPending(buf: Buffer): TextRequest | null {
    const p = this.pending!;
    if (p.block === null) {
      let refusal: string | null = null;
      if (this.beforeLogin && p.size > LOGIN_REQUEST_BYTES) refusal = clientError(BEFORE_LOGIN_REFUSAL);
      else if (!this.partial.take(p.size)) refusal = serverError(noRoomReason(this.partial.limit));
      if (refusal !== null) {
        this.pending = null;
        this.swallow = p.size;
        return { type: 'error', reply: refusal, close: false, noreply: p.noreply };
      }
      p.block = Buffer.allocUnsafe(p.size);
    }
    const take = Math.min(p.size - p.filled, buf.length - this.pos);
    buf.copy(p.block, p.filled, this.pos, this.pos + take);
    p.filled += take;
    this.pos += take;
    if (p.filled < p.size) return null;
    this.pending = null;
    this.partial.give(p.size);
    return this.finishStorage(p, p.block, 0);
  }

  /** The storage request of `p`, whose block (data and CRLF) is at `buf[at…]`. */
  private finishStorage(p: PendingData, buf: Buffer, at: number): TextRequest {
    const n = at + p.size - 2;
    if (buf[n] !== CR || buf[n + 1] !== LF) {
      return { type: 'error', reply: clientError('bad data chunk'), close: false, noreply: p.noreply };
    }
    const r = this.storage;
    r.command = p.command;
    r.key = p.key;
    r.flags = p.flags;
    r.exptime = p.exptime;
    r.data = buf.subarray(at, n);
    r.noreply = p.noreply;
    return r;
  }

  private fatal(reason: string): TextRequest {
    this.dead = true;
    this.leftover = null;
    this.buf = EMPTY;
    this.pos = 0;
    return { type: 'error', reply: clientError(reason), close: true, noreply: false };
  }

  /**
   * The fast path for the three commands of a worker loop, read straight from the bytes: a plain
   * `set <key> <flags> <exptime> <bytes> [noreply]` with valid numbers, `get <key>`, `delete <key> [noreply]`.
   * Returns undefined for anything else, including every malformed form, which parseLine then handles
   * (so both paths give the same result for every line; the parser tests feed both).
   */
  private parseHot(buf: Buffer, start: number, end: number): TextRequest | null | undefined {
    const n = tokenizeBytes(buf, start, end);
    if (n < 2 || n > 6) return undefined;
    const t0 = TOKENS[0],
      t0len = TOKENS[1] - t0;
    if (t0len === 3 && buf[t0 + 1] === 0x65 && buf[t0 + 2] === 0x74) {
      const c = buf[t0];
      if (c === 0x67 && n === 2) {
        // get <key>
        this.getOne.keys[0] = keyStrings.get(buf, TOKENS[2], TOKENS[3]);
        return this.getOne;
      }
      if (c === 0x73 && (n === 5 || (n === 6 && isNoreply(buf, TOKENS[10], TOKENS[11])))) {
        // set <key> <flags> <exptime> <bytes> [noreply]
        const flags = parseDigits(buf, TOKENS[4], TOKENS[5], 10);
        const exptime = parseDigits(buf, TOKENS[6], TOKENS[7], 12);
        const bytes = parseDigits(buf, TOKENS[8], TOKENS[9], 12);
        if (flags < 0 || flags > MAX_FLAGS || exptime < 0 || bytes < 0 || bytes > this.maxItemSize) return undefined;
        this.await('set', keyStrings.get(buf, TOKENS[2], TOKENS[3]), flags, exptime, n === 6, bytes);
        return null;
      }
      return undefined;
    }
    if (t0len === 6 && sameWord(buf, t0, DELETE) && (n === 2 || (n === 3 && isNoreply(buf, TOKENS[4], TOKENS[5])))) {
      const r = this.deleteOne;
      r.key = keyStrings.get(buf, TOKENS[2], TOKENS[3]);
      r.noreply = n === 3;
      return r;
    }
    return undefined;
  }

  /**
   * Parses one command line. Storage commands set `pending` and return null
   * (the request is emitted when the data block is complete).
   */
  private parseLine(line: string): TextRequest | null {
    const tokens = tokenize(line);
    if (tokens.length === 0) return { type: 'error', reply: ERROR, close: false, noreply: false };
    const command = tokens[0];
    if (STORAGE_COMMANDS.has(command)) return this.parseStorage(command as StorageCommand, tokens);
    const noreply = tokens[tokens.length - 1] === 'noreply';
    const args = noreply ? tokens.length - 2 : tokens.length - 1;
    switch (command) {
      case 'get':
      case 'gets':
        if (tokens.length < 2) return { type: 'error', reply: ERROR, close: false, noreply: false };
        return { type: 'get', command, keys: tokens.slice(1) };
      case 'delete':
        // memcached protocol.txt: "delete <key> [<time>] [noreply]"; only a time of 0 is accepted.
        if (args < 1 || args > 2 || (args === 2 && tokens[2] !== '0')) {
          return badFormat(noreply);
        }
        return { type: 'delete', key: tokens[1], noreply };
      case 'flush':
        if (args !== 1) return badFormat(noreply);
        return { type: 'flush', queue: tokens[1], delay: 0, noreply };
      case 'flush_all': {
        if (args > 1) return badFormat(noreply);
        const delay = args === 1 ? tokens[1] : '0';
        if (!SIGNED_INTEGER.test(delay)) return badFormat(noreply);
        return { type: 'flush', queue: null, delay: Math.max(0, Number(delay)), noreply };
      }
      case 'delete_queue':
        if (args !== 1) return badFormat(noreply);
        return { type: 'delete_queue', queue: tokens[1], noreply };
      case 'stats':
        return { type: 'stats', args: tokens.slice(1) };
      case 'version':
        return { type: 'version' };
      case 'quit':
        return { type: 'quit' };
      case 'verbosity':
        return { type: 'verbosity', noreply };
      case 'touch':
        // memcached protocol.txt: "touch <key> <exptime> [noreply]"
        if (args !== 2 || !SIGNED_INTEGER.test(tokens[2]) || tokens[2].length > 12) return badFormat(noreply);
        return { type: 'touch', key: tokens[1], exptime: Number(tokens[2]), noreply };
      case 'incr':
      case 'decr':
      case 'gat':
      case 'gats':
        return { type: 'unsupported', command, noreply: command.startsWith('gat') ? false : noreply };
      default:
        return { type: 'error', reply: ERROR, close: false, noreply: false };
    }
  }

  private parseStorage(command: StorageCommand, tokens: string[]): TextRequest | null {
    // <command> <key> <flags> <exptime> <bytes> [<cas unique>] [noreply]
    const fixed = command === 'cas' ? 6 : 5;
    const noreply = tokens[tokens.length - 1] === 'noreply';
    if (tokens.length !== (noreply ? fixed + 1 : fixed)) {
      // A token too many or too few; if the length is still there, skip the block so that its
      // bytes are not read as commands (one reply per command keeps the client in step).
      if (tokens.length >= 5 && INTEGER.test(tokens[4]) && tokens[4].length <= 12) this.swallow = Number(tokens[4]) + 2;
      return badFormat(noreply);
    }
    const [, key, flagsText, exptimeText, bytesText] = tokens;
    if (!INTEGER.test(bytesText) || bytesText.length > 12) {
      // Without a length the data block cannot be skipped: the next line is read as a command.
      return badFormat(noreply);
    }
    const bytes = Number(bytesText);
    if (bytes > this.maxItemSize) {
      this.swallow = bytes + 2; // the push loop skips the block, across reads if need be
      return { type: 'error', reply: serverError('object too large'), close: false, noreply };
    }
    const flagsOk = INTEGER.test(flagsText) && flagsText.length <= 10 && Number(flagsText) <= MAX_FLAGS;
    const exptimeOk = SIGNED_INTEGER.test(exptimeText) && exptimeText.length <= 12;
    if (!flagsOk || !exptimeOk || key.length > 8192) {
      // The length is known: skip the block so the stream stays in sync.
      this.swallow = bytes + 2;
      return badFormat(noreply);
    }
    this.await(command, key, Number(flagsText), Number(exptimeText), noreply, bytes);
    return null;
  }

  /** Awaits the `bytes`-byte data block of a storage command (and its CRLF). */
  private await(command: StorageCommand, key: string, flags: number, exptime: number, noreply: boolean, bytes: number): void {
    const p = this.pendingData;
    p.command = command;
    p.key = key;
    p.flags = flags;
    p.exptime = exptime;
    p.noreply = noreply;
    p.size = bytes + 2;
    p.block = null;
    p.filled = 0;
    this.pending = p;
  }
}

/** Token offsets of the line being parsed: start, end, start, end, … (reused; the fast path needs at most 6 tokens). */
const TOKENS = new Int32Array(14);

/** Splits buf[start, end) on runs of spaces and tabs into TOKENS; returns the token count, or 7 for "more than 6". */
function tokenizeBytes(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = start;
  while (i < end) {
    let c = buf[i];
    while (c === 0x20 || c === 0x09) {
      if (++i >= end) return n;
      c = buf[i];
    }
    if (n === 7) return n;
    TOKENS[2 * n] = i;
    while (i < end && buf[i] !== 0x20 && buf[i] !== 0x09) i++;
    TOKENS[2 * n + 1] = i;
    n++;
  }
  return n;
}

/** A non-negative decimal of at most maxDigits digits, or -1. */
function parseDigits(buf: Buffer, start: number, end: number, maxDigits: number): number {
  if (end <= start || end - start > maxDigits) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Words the fast path compares as bytes. */
const DELETE = Buffer.from('delete', 'latin1');
const NOREPLY = Buffer.from('noreply', 'latin1');

/** True when `word` is at `buf[start…]` (the caller has checked the token's length). */
function sameWord(buf: Buffer, start: number, word: Buffer): boolean {
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word[i]) return false;
  return true;
}

function isNoreply(buf: Buffer, start: number, end: number): boolean {
  return end - start === NOREPLY.length && sameWord(buf, start, NOREPLY);
}

function badFormat(noreply: boolean): TextRequest {
  return { type: 'error', reply: clientError('bad command line format'), close: false, noreply };
}

/** Splits on runs of spaces; leading and trailing whitespace is ignored. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (start >= 0) {
        tokens.push(line.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) tokens.push(line.slice(start));
  return tokens;
}
