/**
 * An rq item as a JetStream message: the data is the payload, the id is the stream sequence, the
 * enqueue time is JetStream's timestamp, and the memcache flags and expiry travel in headers (only
 * when set, so a plain item carries none).
 */
import { headers, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import type { JsMsg, StoredMsg } from '@nats-io/jetstream';
import type { Item } from '../../queue/types.js';

/** The item's memcache flags, when not 0. */
export const FLAGS_HEADER = 'Rq-Flags';
/** When the item expires, in ms since the epoch, when it does. */
export const EXPIRES_HEADER = 'Rq-Expires';
/** Deliveries before the item came to this queue (moved to a dead-letter queue, or released with a delay), when any. */
export const DELIVERIES_HEADER = 'Rq-Deliveries';
/** When a delayed item is due, in ms since the epoch (delays.ts). */
export const DUE_HEADER = 'Rq-Due';

/** The headers of a new item, or undefined when it needs none. */
export function headersOf(flags: number, expiresAt: number, deliveries = 0, dueAt = 0): MsgHdrs | undefined {
  if (flags === 0 && expiresAt === 0 && deliveries === 0 && dueAt === 0) return undefined;
  const h = headers();
  if (flags !== 0) h.set(FLAGS_HEADER, String(flags));
  if (expiresAt !== 0) h.set(EXPIRES_HEADER, String(expiresAt));
  if (deliveries !== 0) h.set(DELIVERIES_HEADER, String(deliveries));
  if (dueAt !== 0) h.set(DUE_HEADER, String(dueAt));
  return h;
}

/** What JetStream's ack subject of a delivered message says about it. */
export interface Delivery {
  readonly stream: string;
  /** The stream sequence: the item id. */
  readonly id: number;
  /** How many times it has been delivered, this time included. */
  readonly deliveries: number;
  /** The consumer's delivery sequence. */
  readonly consumerSeq: number;
  /** When it was stored, ms since the epoch. */
  readonly storedAt: number;
}

/**
 * Reads `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>`, or the
 * longer form of nats-server 2.10+ (`$JS.ACK.<domain>.<account hash>.<stream>…` and a random token).
 */
export function deliveryOf(reply: string): Delivery | null {
  const t = reply.split('.');
  const at = t.length === 9 ? 2 : t.length >= 11 ? 4 : -1;
  if (at < 0) return null;
  return {
    stream: t[at],
    deliveries: Number(t[at + 2]),
    id: Number(t[at + 3]),
    consumerSeq: Number(t[at + 4]),
    storedAt: Math.floor(Number(t[at + 5]) / 1_000_000),
  };
}

/** A header holding a whole number, or 0 when it is missing or holds none. */
export function numberHeader(h: MsgHdrs | undefined, name: string): number {
  const v = h?.get(name);
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

function bufferOf(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The item of a message delivered to this front end (null when its ack subject cannot be read). */
export function itemOfDelivered(msg: Msg): Item | null {
  const d = deliveryOf(msg.reply ?? '');
  if (d === null) return null;
  return {
    id: d.id,
    flags: numberHeader(msg.headers, FLAGS_HEADER),
    expiresAt: numberHeader(msg.headers, EXPIRES_HEADER),
    enqueuedAt: d.storedAt,
    data: bufferOf(msg.data),
    deliveries: numberHeader(msg.headers, DELIVERIES_HEADER) + d.deliveries,
  };
}

/** The item of a message read from the stream (a peek). */
export function itemOfStored(m: StoredMsg): Item {
  return {
    id: m.seq,
    flags: numberHeader(m.header, FLAGS_HEADER),
    expiresAt: numberHeader(m.header, EXPIRES_HEADER),
    enqueuedAt: m.time.getTime(),
    data: bufferOf(m.data),
    // A message read from the stream does not say how often it was delivered here (docs/scale-out.md).
    deliveries: numberHeader(m.header, DELIVERIES_HEADER),
  };
}

/**
 * The item of a message a JetStream consumer delivered (a delayed item on its way to its queue):
 * its deliveries are those before it was delayed (a release with a delay), not the delayed
 * stream's own.
 */
export function itemOfJsMsg(m: JsMsg): Item {
  return {
    id: m.seq,
    flags: numberHeader(m.headers, FLAGS_HEADER),
    expiresAt: numberHeader(m.headers, EXPIRES_HEADER),
    enqueuedAt: Math.floor(m.info.timestampNanos / 1_000_000),
    data: bufferOf(m.data),
    deliveries: numberHeader(m.headers, DELIVERIES_HEADER),
  };
}

/** True when the item has expired by `now`. */
export function expired(item: Item, now: number): boolean {
  return item.expiresAt !== 0 && item.expiresAt <= now;
}
