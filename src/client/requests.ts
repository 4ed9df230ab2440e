/**
 * The binary requests the client sends, encoded with protocol/binary (spec section 4):
 * GET with a queue key (reserve, peek, ack-and-reserve …), SET (push), DELETE (ack or release by
 * id), TOUCH (renew a lease), STAT and FLUSH. Encoders write into one buffer so a batch of requests is one socket write.
 */
import { HEADER_BYTES, MAGIC_REQUEST, OFFSET, OP, SET_EXTRAS_BYTES, TOUCH_EXTRAS_BYTES } from '../protocol/binary/constants.js';
import { writeHeader } from '../protocol/binary/packet.js';
import { exptimeAt } from '../protocol/exptime.js';

/** A get-style request: a key, no extras, no value. */
function keyOnly(opcode: number, key: string, opaque: number): Buffer {
  const keyBytes = Buffer.byteLength(key, 'latin1');
  const out = Buffer.allocUnsafe(HEADER_BYTES + keyBytes);
  writeHeader(out, 0, MAGIC_REQUEST, opcode, keyBytes, 0, 0, keyBytes, opaque, 0);
  out.write(key, HEADER_BYTES, 'latin1');
  return out;
}

export function encodeGet(key: string, opaque: number): Buffer {
  return keyOnly(OP.GET, key, opaque);
}

export function encodeDelete(key: string, opaque: number): Buffer {
  return keyOnly(OP.DELETE, key, opaque);
}

/**
 * TOUCH (opcode 0x1c; extras: 4 bytes expiration) with a `q/id=N/lease=<ms>` key: renews item N's
 * lease (docs/protocol.md: touch). The key's lease= is what counts; the expiration says the same
 * in whole seconds, for a reader of the packet.
 */
export function encodeTouch(key: string, leaseMs: number, opaque: number): Buffer {
  const keyBytes = Buffer.byteLength(key, 'latin1');
  const out = Buffer.allocUnsafe(HEADER_BYTES + TOUCH_EXTRAS_BYTES + keyBytes);
  writeHeader(out, 0, MAGIC_REQUEST, OP.TOUCH, keyBytes, TOUCH_EXTRAS_BYTES, 0, TOUCH_EXTRAS_BYTES + keyBytes, opaque, 0);
  out.writeUInt32BE(Math.ceil(leaseMs / 1000) >>> 0, HEADER_BYTES);
  out.write(key, HEADER_BYTES + TOUCH_EXTRAS_BYTES, 'latin1');
  return out;
}

/** STAT with no key: every general and queue figure. */
export function encodeStat(opaque: number): Buffer {
  return keyOnly(OP.STAT, '', opaque);
}

/** FLUSH with a queue name as key: empties that queue (docs/protocol.md: flush). */
export function encodeFlush(key: string, opaque: number): Buffer {
  return keyOnly(OP.FLUSH, key, opaque);
}

/**
 * Requests already encoded (templates, whatever their opaques) in one buffer, their opaques
 * rewritten to count up from `firstOpaque`: a pop sends the same few requests over and over.
 */
export function encodeBatch(requests: readonly Buffer[], firstOpaque: number): Buffer {
  const out = requests.length === 1 ? Buffer.from(requests[0]) : Buffer.concat(requests);
  let pos = 0;
  for (let i = 0; i < requests.length; i++) {
    out.writeUInt32BE((firstOpaque + i) >>> 0, pos + OFFSET.opaque);
    pos += requests[i].length;
  }
  return out;
}

/** Several gets in one buffer, opaques counting up from `firstOpaque`. */
export function encodeGets(keys: readonly string[], firstOpaque: number): Buffer {
  return Buffer.concat(keys.map((k, i) => encodeGet(k, (firstOpaque + i) >>> 0)));
}

/**
 * SET requests for `items` on queue `key` in one buffer (spec 4.3: extras are 4 bytes flags and
 * 4 bytes expiration), opaques counting up from `firstOpaque`.
 */
export function encodeSets(key: string, items: readonly Buffer[], flags: number, exptime: number, firstOpaque: number): Buffer {
  const keyBytes = Buffer.byteLength(key, 'latin1');
  const fixed = HEADER_BYTES + SET_EXTRAS_BYTES + keyBytes;
  let size = 0;
  for (const item of items) size += fixed + item.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const at = writeSetHead(out, pos, (firstOpaque + i) >>> 0, flags, exptime, keyBytes, item.length);
    out.write(key, at, 'latin1');
    item.copy(out, at + keyBytes);
    pos = at + keyBytes + item.length;
  }
  return out;
}

/** An item to push to its own queue with its own flags and expiry (RqClient.pushItems). */
export interface PushItem {
  /** The queue name's bytes as the server knows them (any name the server accepts, UTF-8 or not). */
  readonly queue: Buffer;
  readonly data: Buffer;
  readonly flags: number;
  /** When the item expires, in ms since the epoch; 0 = never. */
  readonly expiresAt: number;
}

/** SET requests for `items` in one buffer, each on its own queue, opaques counting up from `firstOpaque`. */
export function encodePushItems(items: readonly PushItem[], firstOpaque: number): Buffer {
  let size = 0;
  for (const r of items) size += HEADER_BYTES + SET_EXTRAS_BYTES + r.queue.length + r.data.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < items.length; i++) {
    const r = items[i];
    const at = writeSetHead(out, pos, (firstOpaque + i) >>> 0, r.flags, exptimeAt(r.expiresAt), r.queue.length, r.data.length);
    r.queue.copy(out, at);
    r.data.copy(out, at + r.queue.length);
    pos = at + r.queue.length + r.data.length;
  }
  return out;
}

/** Writes a SET's header and extras at `pos`; returns where its key goes (its data follows the key). */
function writeSetHead(
  out: Buffer,
  pos: number,
  opaque: number,
  flags: number,
  exptime: number,
  keyBytes: number,
  dataBytes: number,
): number {
  writeHeader(out, pos, MAGIC_REQUEST, OP.SET, keyBytes, SET_EXTRAS_BYTES, 0, SET_EXTRAS_BYTES + keyBytes + dataBytes, opaque, 0);
  out.writeUInt32BE(flags >>> 0, pos + HEADER_BYTES);
  out.writeUInt32BE(exptime >>> 0, pos + HEADER_BYTES + 4);
  return pos + HEADER_BYTES + SET_EXTRAS_BYTES;
}

/** The flags of a GET hit (spec 4.1: 4 bytes of extras); 0 when the server sent none. */
export function flagsOf(reply: { readonly extras: Buffer }): number {
  return reply.extras.length >= 4 ? reply.extras.readUInt32BE(0) : 0;
}

/** The text a server sends with an error status, made safe to print. */
export function errorText(value: Buffer, fallback: string): string {
  const text = value
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 200)
    .trim();
  return text === '' ? fallback : text;
}
