/**
 * The reservations a front end holds: each item reserved through it and not yet acknowledged or
 * given back, with the ack subject JetStream delivered it with. Unleased ones are kept alive with
 * `+WPI` (work in progress) well within the ack wait while the front end runs, so they are held for
 * as long as their connection lasts and come back after the ack wait if the front end dies. Leased
 * ones were given JetStream's own deadline (a NAK with a delay, acks.ts) and need nothing more.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { IN_PROGRESS } from './acks.js';
import type { QueueHandle } from './catalog.js';

export interface Held {
  readonly queue: QueueHandle;
  /** The item id: its stream sequence. */
  readonly id: number;
  /** `$JS.ACK.…`: where its acknowledgement, give-back and progress go. */
  readonly reply: string;
  /**
   * Its deliveries so far, this one included: JetStream's count (in `reply`) and those before it
   * came to this stream sequence (released with a delay, or moved to a dead-letter queue).
   */
  readonly deliveries: number;
  /** True while JetStream holds it to a deadline of its own (a lease, or a touch with one). */
  leased: boolean;
  /** The connection holding it (null once it has left and its lease runs on). */
  holder: { forget(h: Held): void } | null;
}

/** How often per ack wait held items are kept alive: a late or lost `+WPI` still leaves two more. */
const KEEPALIVES_PER_ACK_WAIT = 3;

export class HeldItems {
  /** `<stream> <id>` → the reservation. */
  private readonly held = new Map<string, Held>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly nc: NatsConnection,
    ackWaitMs: number,
  ) {
    this.timer = setInterval(() => this.keepAlive(), Math.max(1, Math.floor(ackWaitMs / KEEPALIVES_PER_ACK_WAIT)));
    this.timer.unref();
  }

  add(h: Held): void {
    this.held.set(keyOf(h.queue.stream, h.id), h);
  }

  delete(h: Held): void {
    this.held.delete(keyOf(h.queue.stream, h.id));
  }

  /** The reservation of item `id` of a queue's stream held through this front end, if any. */
  find(stream: string, id: number): Held | undefined {
    return this.held.get(keyOf(stream, id));
  }

  get size(): number {
    return this.held.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private keepAlive(): void {
    if (this.nc.isClosed()) return;
    for (const h of this.held.values()) if (!h.leased) this.nc.publish(h.reply, IN_PROGRESS);
  }
}

function keyOf(stream: string, id: number): string {
  return `${stream} ${id}`;
}
