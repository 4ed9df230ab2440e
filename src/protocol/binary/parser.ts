/**
 * The memcache binary-protocol request parser: a push-fed state machine, bytes in, typed requests
 * out, one at a time (feed, then next).
 * Pure: no sockets, no queue. Framing follows the spec's section 2 (constants.ts); requests.ts says
 * what each opcode means.
 *
 * Promises:
 * - any split of the input into chunks yields the same requests (byte by byte included);
 * - every packet yields exactly one request, so replies stay in step with requests;
 * - memory is bounded: a body is buffered only when its value fits the item size limit (so at most
 *   maxItemSize + MAX_KEY_AND_EXTRAS_BYTES); a larger body yields `too_large` and is skipped
 *   byte-exactly, keeping the stream in sync;
 * - a body that spans reads is held only when it may be (before login, limitToLogin, at most
 *   LOGIN_REQUEST_BYTES) and the shared PartialBytes has room for it; otherwise it yields
 *   `no_room` with the reason and is skipped;
 * - a stream that cannot be followed (a magic other than 0x80, key and extras longer than the body)
 *   yields one `fatal` request, after which the parser takes nothing more.
 */
import { BEFORE_LOGIN_REFUSAL, LOGIN_REQUEST_BYTES } from '../credentials.js';
import { noRoomReason, PartialBytes } from '../partial-bytes.js';
import type { Refillable } from '../refillable.js';
import { HEADER_BYTES, MAGIC_REQUEST, OFFSET } from './constants.js';
import { readCas, readUint32 } from './packet.js';
import { interpret, reusedRequests, type BinaryRequest, type RequestHeader as Header } from './requests.js';

export class BinaryParser {
  /** The objects next() hands out for GET, SET and DELETE, refilled for each (see next()). */
  private readonly reused = reusedRequests();
  /** The bytes fed, parsed up to `pos`. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Collects a header split across reads. */
  private readonly headerBytes = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  /** The header whose body is being read (`nextHeader`), if any. */
  private header: Header | null = null;
  /** The one header object of this parser, reused for every packet: interpret() keeps nothing of it. */
  private readonly nextHeader: Refillable<Header> = {
    opcode: 0,
    keyLength: 0,
    extrasLength: 0,
    bodyLength: 0,
    opaque: 0,
    dataType: 0,
    cas: 0,
  };
  /** Collects a body split across reads. */
  private body: Buffer | null = null;
  private bodyFilled = 0;
  /** Bytes still to skip of an oversized body. */
  private skip = 0;
  private dead = false;
  /** The connection has not logged in: a body that spans reads is held only up to a login's size. */
  private beforeLogin = false;

  /** `partial`: the bound on bodies held across reads, shared by every connection's parser. */
  constructor(
    private readonly maxItemSize: number,
    private readonly partial = new PartialBytes(Infinity),
  ) {}

  /**
   * While `on` (the connection has not logged in), a body still arriving that is larger than
   * LOGIN_REQUEST_BYTES, what a SASL login needs, is skipped unread and yields `no_room`. A body that
   * arrives whole costs nothing to hold and is parsed as usual.
   */
  limitToLogin(on: boolean): void {
    this.beforeLogin = on;
  }

  /** The connection is gone: gives back what is held for a body still arriving. */
  release(): void {
    if (this.body !== null) this.partial.give(this.body.length);
    this.body = null;
    this.header = null;
    this.dead = true;
    this.buf = EMPTY;
    this.pos = 0;
  }

  /**
   * Feeds bytes; next() then takes the requests they complete. The parser reads `chunk` in place
   * until next() has taken every request in it, or keepInput() copies what is left.
   */
  feed(chunk: Buffer): void {
    if (this.dead) return;
    // Requests not taken yet (their session waits) come first.
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
  }

  /**
   * The next request the bytes fed complete, or null when they complete no more. The object
   * returned for a GET, SET or DELETE is this parser's own and is reused by the next call: take what
   * is needed from a request before asking for the next one. Views in a request (a SET's value, a
   * SASL message) may be of the bytes fed.
   */
  next(): BinaryRequest | null {
    const chunk = this.buf;
    while (this.pos < chunk.length && !this.dead) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - this.pos);
        this.skip -= n;
        this.pos += n;
        continue;
      }
      if (this.header === null) {
        let h: Header | BinaryRequest;
        if (this.headerFilled === 0 && chunk.length - this.pos >= HEADER_BYTES) {
          h = this.readHeader(chunk, this.pos);
          this.pos += HEADER_BYTES;
        } else {
          const n = Math.min(HEADER_BYTES - this.headerFilled, chunk.length - this.pos);
          chunk.copy(this.headerBytes, this.headerFilled, this.pos, this.pos + n);
          this.headerFilled += n;
          this.pos += n;
          if (this.headerFilled < HEADER_BYTES) break;
          this.headerFilled = 0;
          h = this.readHeader(this.headerBytes, 0);
        }
        if ('type' in h) return h;
        if (h.bodyLength === 0) return interpret(h, chunk, this.pos, this.reused);
        this.header = h;
        if (this.pos === chunk.length) break;
      }
      const h = this.header;
      if (this.bodyFilled === 0 && chunk.length - this.pos >= h.bodyLength) {
        // The whole body is in this chunk: hand out views, no copy.
        const at = this.pos;
        this.pos += h.bodyLength;
        this.header = null;
        return interpret(h, chunk, at, this.reused);
      }
      if (this.body === null) {
        let refusal: string | null = null;
        if (this.beforeLogin && h.bodyLength > LOGIN_REQUEST_BYTES) refusal = BEFORE_LOGIN_REFUSAL;
        else if (!this.partial.take(h.bodyLength)) refusal = noRoomReason(this.partial.limit);
        if (refusal !== null) {
          this.header = null;
          this.skip = h.bodyLength;
          return { type: 'no_room', opcode: h.opcode, opaque: h.opaque, reason: refusal };
        }
        this.body = Buffer.allocUnsafe(h.bodyLength);
      }
      const n = Math.min(h.bodyLength - this.bodyFilled, chunk.length - this.pos);
      chunk.copy(this.body, this.bodyFilled, this.pos, this.pos + n);
      this.bodyFilled += n;
      this.pos += n;
      if (this.bodyFilled === h.bodyLength) {
        this.partial.give(h.bodyLength);
        const body = this.body;
        this.header = null;
        this.body = null;
        this.bodyFilled = 0;
        return interpret(h, body, 0, this.reused);
      }
    }
    // Every byte is taken: let go of the chunk.
    this.buf = EMPTY;
    this.pos = 0;
    return null;
  }

  /** The bytes fed are about to be overwritten (a reused read buffer): copies those not parsed yet. */
  keepInput(): void {
    this.buf = this.pos < this.buf.length ? Buffer.from(this.buf.subarray(this.pos)) : EMPTY;
    this.pos = 0;
  }

  /** Feeds bytes; returns the requests completed by them, in order, each an object of its own. */
  push(chunk: Buffer): BinaryRequest[] {
    this.feed(chunk);
    const out: BinaryRequest[] = [];
    for (let request = this.next(); request !== null; request = this.next()) out.push({ ...request });
    return out;
  }

  /**
   * Reads and checks a header. Returns the header when its body is to be read (this parser's one
   * header object, valid until the next header is read), or the request it ends in at once: `fatal`
   * (the parser stops) or `too_large` (the body will be skipped).
   */
  private readHeader(buf: Buffer, at: number): Header | BinaryRequest {
    const opcode = buf[at + OFFSET.opcode];
    const opaque = readUint32(buf, at + OFFSET.opaque);
    const magic = buf[at + OFFSET.magic];
    if (magic !== MAGIC_REQUEST) {
      this.dead = true;
      return {
        type: 'fatal',
        opcode,
        opaque,
        reason: `bad magic 0x${magic.toString(16).padStart(2, '0')}: not a binary request`,
      };
    }
    const keyLength = (buf[at + OFFSET.keyLength] << 8) | buf[at + OFFSET.keyLength + 1];
    const extrasLength = buf[at + OFFSET.extrasLength];
    const bodyLength = readUint32(buf, at + OFFSET.bodyLength);
    if (keyLength + extrasLength > bodyLength) {
      this.dead = true;
      return { type: 'fatal', opcode, opaque, reason: 'key and extras longer than the body' };
    }
    const valueLength = bodyLength - keyLength - extrasLength;
    if (valueLength > this.maxItemSize) {
      this.skip = bodyLength;
      return { type: 'too_large', opcode, opaque, valueLength };
    }
    const h = this.nextHeader;
    h.opcode = opcode;
    h.keyLength = keyLength;
    h.extrasLength = extrasLength;
    h.bodyLength = bodyLength;
    h.opaque = opaque;
    h.dataType = buf[at + OFFSET.dataType];
    h.cas = readCas(buf, at + OFFSET.cas);
    return h;
  }
}

const EMPTY = Buffer.alloc(0);
