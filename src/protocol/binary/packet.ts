/**
 * Binary packets as plain values, and their exact bytes: the response encoder the server uses,
 * the request encoder clients and tests use, and a decoder for whole packets of either kind.
 * Pure: no sockets, no queue. Layout: constants.ts (spec section 2).
 */
import { HEADER_BYTES, MAGIC_REQUEST, MAGIC_RESPONSE, OFFSET } from './constants.js';

/** 2^32: the CAS field is 64 bits, written as two 32-bit halves. */
const TWO_32 = 0x1_0000_0000;

/** One packet. `status` is the vbucket id in a request. key and value are bytes (keys latin1 when strings). */
export interface Packet {
  readonly magic: number;
  readonly opcode: number;
  readonly status: number;
  readonly opaque: number;
  /** The CAS field; an item id (< 2^53) in rq. Values past 2^53 lose precision: see readCas. */
  readonly cas: number;
  readonly dataType: number;
  readonly extras: Buffer;
  readonly key: Buffer;
  readonly value: Buffer;
}

/** What a caller gives to encode a packet; everything but the opcode has a default. */
export interface PacketFields {
  readonly opcode: number;
  readonly status?: number;
  readonly opaque?: number;
  readonly cas?: number;
  readonly dataType?: number;
  readonly extras?: Buffer;
  readonly key?: Buffer | string;
  readonly value?: Buffer | string;
}

const EMPTY = Buffer.alloc(0);

/**
 * Writes a 24-byte header at `offset` of `target`. `cas` must be a non-negative safe integer.
 * The one place header bytes are laid out, for requests and responses alike.
 */
export function writeHeader(
  target: Buffer,
  offset: number,
  magic: number,
  opcode: number,
  keyLength: number,
  extrasLength: number,
  status: number,
  bodyLength: number,
  opaque: number,
  cas: number,
  dataType = 0,
): void {
  // Byte by byte: several times faster than Buffer#writeUInt*BE for a header on every reply.
  const t = target;
  const o = offset;
  t[o] = magic;
  t[o + 1] = opcode;
  t[o + 2] = keyLength >>> 8;
  t[o + 3] = keyLength;
  t[o + 4] = extrasLength;
  t[o + 5] = dataType;
  t[o + 6] = status >>> 8;
  t[o + 7] = status;
  t[o + 8] = bodyLength >>> 24;
  t[o + 9] = bodyLength >>> 16;
  t[o + 10] = bodyLength >>> 8;
  t[o + 11] = bodyLength;
  t[o + 12] = opaque >>> 24;
  t[o + 13] = opaque >>> 16;
  t[o + 14] = opaque >>> 8;
  t[o + 15] = opaque;
  const hi = cas > 0xffffffff ? Math.floor(cas / TWO_32) : 0;
  t[o + 16] = hi >>> 24;
  t[o + 17] = hi >>> 16;
  t[o + 18] = hi >>> 8;
  t[o + 19] = hi;
  t[o + 20] = cas >>> 24;
  t[o + 21] = cas >>> 16;
  t[o + 22] = cas >>> 8;
  t[o + 23] = cas;
}

/**
 * Reads an 8-byte CAS value at `at` (a header's, or the one a client library hands over): exact
 * below 2^53 (every rq item id), rounded above (never a valid id).
 */
export function readCas(buf: Buffer, at: number): number {
  return readUint32(buf, at) * TWO_32 + readUint32(buf, at + 4);
}

/**
 * The big-endian 32-bit unsigned integer at `at` (the caller has checked the bytes are there).
 * Byte by byte, as writeHeader writes: faster than Buffer#readUInt32BE on every request.
 */
export function readUint32(buf: Buffer, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

function bytesOf(v: Buffer | string | undefined): Buffer {
  if (v === undefined) return EMPTY;
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

function encode(magic: number, f: PacketFields): Buffer {
  const extras = f.extras ?? EMPTY;
  const key = bytesOf(f.key);
  const value = bytesOf(f.value);
  const body = extras.length + key.length + value.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + body);
  writeHeader(
    out,
    0,
    magic,
    f.opcode,
    key.length,
    extras.length,
    f.status ?? 0,
    body,
    f.opaque ?? 0,
    f.cas ?? 0,
    f.dataType ?? 0,
  );
  extras.copy(out, HEADER_BYTES);
  key.copy(out, HEADER_BYTES + extras.length);
  value.copy(out, HEADER_BYTES + extras.length + key.length);
  return out;
}

/** The bytes of a response packet (magic 0x81). */
export function encodeResponse(f: PacketFields): Buffer {
  return encode(MAGIC_RESPONSE, f);
}

/** The bytes of a request packet (magic 0x80); `status` is sent as the vbucket id. */
export function encodeRequest(f: PacketFields): Buffer {
  return encode(MAGIC_REQUEST, f);
}

/**
 * Decodes the whole packets at the start of `buf` (either magic; no validation beyond the lengths).
 * Returns them and how many bytes they used; an incomplete tail is left for the caller.
 * Throws on a packet whose key and extras do not fit its body: such a stream cannot be followed.
 */
export function decodePackets(buf: Buffer): { packets: Packet[]; used: number } {
  const packets: Packet[] = [];
  let pos = 0;
  while (buf.length - pos >= HEADER_BYTES) {
    const bodyLength = buf.readUInt32BE(pos + OFFSET.bodyLength);
    if (buf.length - pos - HEADER_BYTES < bodyLength) break;
    const keyLength = buf.readUInt16BE(pos + OFFSET.keyLength);
    const extrasLength = buf[pos + OFFSET.extrasLength];
    if (keyLength + extrasLength > bodyLength) throw new Error('binary packet: key and extras longer than the body');
    const body = pos + HEADER_BYTES;
    packets.push({
      magic: buf[pos + OFFSET.magic],
      opcode: buf[pos + OFFSET.opcode],
      status: buf.readUInt16BE(pos + OFFSET.status),
      opaque: buf.readUInt32BE(pos + OFFSET.opaque),
      cas: readCas(buf, pos + OFFSET.cas),
      dataType: buf[pos + OFFSET.dataType],
      extras: buf.subarray(body, body + extrasLength),
      key: buf.subarray(body + extrasLength, body + extrasLength + keyLength),
      value: buf.subarray(body + extrasLength + keyLength, body + bodyLength),
    });
    pos = body + bodyLength;
  }
  return { packets, used: pos };
}
