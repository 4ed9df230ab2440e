/**
 * One connection's queue operations on JetStream (the QueueOperations of queue-ops/operations.ts):
 * the same checks, in the same order, as the embedded store, then the JetStream calls of store.ts.
 * Every change is pending until JetStream has answered; the session holds the connection's next
 * requests meanwhile, so one connection's operations run one at a time, in order.
 */
import { expiresAtMs } from '../../protocol/exptime.js';
import { queueNameError, type DeleteTarget, type KeyOptions, type TouchTarget } from '../../protocol/key.js';
import { DEAD_LETTERED } from '../../queue/engine.js';
import type { Item } from '../../queue/types.js';
import { invalid, storeFailed, tooManyOpen } from '../queue-ops/failures.js';
import { Failure, type Outcome, type QueueOperations } from '../queue-ops/operations.js';
import { changes, heldAfter, setTargetOf, touchLeaseMs } from '../queue-ops/rules.js';
import type { ServerCounters } from '../stats.js';
import { ACKNOWLEDGED, IN_PROGRESS, nak } from './acks.js';
import type { QueueHandle } from './catalog.js';
import type { Held } from './held.js';
import { deliveryOf, expired, itemOfDelivered } from './items.js';
import type { Pull, PullInbox } from './pulls.js';
import { stored, undelivered } from './reads.js';
import type { JetStreamStore } from './store.js';

/**
 * A get that waits longer pulls again after this long: a pull lost to a consumer leader change (or
 * sent just before its consumer served) costs at most this much of the wait.
 */
const PULL_SLICE_MS = 5_000;
/**
 * While JetStream's consumer catches up with its stream, a get pulls for this long at a time and
 * then looks again: ample for a server to apply a new item (milliseconds), short enough that a get
 * whose item another reader took meanwhile soon answers none.
 */
const CATCH_UP_SLICE_MS = 250;

export class JetStreamOperations implements QueueOperations {
  /** This connection's reservations per queue, oldest first. */
  private readonly byQueue = new Map<string, Held[]>();
  /** The get waiting now (a pull, or a peek watching for a publish), if one does. */
  private waiting: { cancel(): void } | null = null;
  /** Set by stopWaiting during a get: the wait it has not started yet must not start. */
  private stopped = false;
  private inGet = false;
  private gone = false;
  /** Where this connection's pulls are answered; made on its first reservation. */
  private inbox: PullInbox | null = null;

  constructor(
    private readonly store: JetStreamStore,
    private readonly counters: ServerCounters,
  ) {}

  enqueue(key: string, flags: number, exptime: number, data: Buffer, now: number): Outcome<number> {
    this.counters.cmdSet++;
    const target = setTargetOf(key);
    if (target instanceof Failure) return target;
    const { queue, delayMs } = target;
    const refusal = this.store.refusal();
    if (refusal !== null) return refusal;
    const expiresAt = expiresAtMs(exptime, now);
    // Already expired (memcache's negative exptime): taken and dropped, as the embedded store does.
    if (expiresAt !== 0 && expiresAt <= now) return 0;
    return this.store.publish(queue, flags, expiresAt, data, undefined, delayMs);
  }

  checkKeys(keys: readonly KeyOptions[]): Failure | null {
    if (keys.some(changes)) {
      const refusal = this.store.refusal();
      if (refusal !== null) return refusal;
    }
    const held = new Map<string, number>();
    for (const key of keys) {
      const after = heldAfter(held.get(key.queue) ?? this.heldCount(key.queue), key);
      if (key.open && after > this.store.limits.maxOpen) return tooManyOpen(key.queue, this.store.limits);
      held.set(key.queue, after);
    }
    return null;
  }

  get(key: KeyOptions, now: number): Outcome<Item | null> {
    if (changes(key)) {
      const refusal = this.store.refusal();
      if (refusal !== null) return refusal;
      if (key.open && heldAfter(this.heldCount(key.queue), key) > this.store.limits.maxOpen) {
        return tooManyOpen(key.queue, this.store.limits);
      }
    }
    this.counters.cmdGet++;
    this.inGet = true;
    this.stopped = false;
    return this.carryOut(key, now).then((outcome) => {
      this.inGet = false;
      if (outcome instanceof Failure || outcome === null) this.counters.getMisses++;
      else this.counters.getHits++;
      return outcome;
    });
  }

  end(target: DeleteTarget): Outcome<boolean | typeof DEAD_LETTERED> {
    const refusal = this.store.refusal();
    if (refusal !== null) return refusal;
    return target.abort ? this.giveBack(target.queue, target.id, target.delayMs) : this.ack(target.queue, target.id);
  }

  touch(target: TouchTarget, exptime: number, now: number): Outcome<boolean> {
    const leaseMs = touchLeaseMs(target, exptime, now);
    if (leaseMs instanceof Failure) return leaseMs;
    const refusal = this.store.refusal();
    if (refusal !== null) return refusal;
    return this.renew(target.queue, target.id, leaseMs);
  }

  flush(queue: string): Outcome<number> {
    const refusal = this.store.refusal();
    if (refusal !== null) return refusal;
    const problem = queueNameError(queue);
    if (problem !== null) return invalid(problem);
    return this.store.purge(queue);
  }

  flushAll(delaySeconds: number): Outcome<undefined> {
    const refusal = this.store.refusal();
    if (refusal !== null) return refusal;
    return this.store.purgeAll(delaySeconds * 1000);
  }

  dropQueue(queue: string): Outcome<boolean> {
    const problem = queueNameError(queue);
    if (problem !== null) return invalid(problem);
    const refusal = this.store.refusal();
    if (refusal !== null) return refusal;
    return this.store.drop(queue);
  }

  stopWaiting(): void {
    if (this.inGet) this.stopped = true;
    this.waiting?.cancel();
  }

  disconnect(): void {
    this.gone = true;
    this.waiting?.cancel();
    this.inbox?.close();
    this.store.disconnected(this);
    for (const list of this.byQueue.values()) {
      // Given back in the queue's order (ids grow with enqueueing): JetStream redelivers in NAK order.
      for (const h of [...list].sort((a, b) => a.id - b.id)) {
        if (!h.leased) this.giveBackGone(h);
        // A leased item stays reserved until its lease ends: JetStream holds it (acks.ts).
        this.store.release(h);
      }
    }
    this.byQueue.clear();
  }

  /** Gives back an item of this connection, which has gone: to its dead-letter queue after its last delivery. */
  private giveBackGone(h: Held): void {
    const deliveries = h.deliveries;
    if (!this.store.deadLetters.exhausted(h.queue.queue, deliveries)) {
      this.store.acks.giveBack(h.reply);
      h.queue.counts.released++;
      return;
    }
    // Not moved (the store failed): given back, and moved when it is next delivered.
    void this.store.deadLetters.moveHeld(h.queue, h.id, deliveries).then((moved) => {
      if (moved instanceof Failure) this.store.acks.giveBack(h.reply);
    });
  }

  /** Part of Held's contract: the store forgets a reservation of this connection. */
  forget(h: Held): void {
    const list = this.byQueue.get(h.queue.queue);
    if (list === undefined) return;
    const at = list.indexOf(h);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.byQueue.delete(h.queue.queue);
  }

  private heldCount(queue: string): number {
    return this.byQueue.get(queue)?.length ?? 0;
  }

  /** A get key: close or abort first, then reserve or peek (kestrel's order). */
  private async carryOut(key: KeyOptions, now: number): Promise<Item | null | Failure> {
    if (key.close) {
      const closed = await this.ack(key.queue, key.id);
      if (closed instanceof Failure) return closed;
    } else if (key.abort) {
      const given = await this.giveBack(key.queue, key.id, key.delayMs);
      return given instanceof Failure ? given : null;
    }
    if (key.peek) return this.peek(key.queue, key.waitMs, now);
    if (!key.open) return null;
    return this.reserve(key.queue, key.waitMs, key.leaseMs, now);
  }

  private async reserve(name: string, waitMs: number, leaseMs: number, now: number): Promise<Item | null | Failure> {
    // A get that waits makes its queue, as the embedded store does; one that does not only looks.
    const handle = waitMs > 0 ? await this.store.catalog.make(name) : await this.store.catalog.find(name);
    if (handle === null || handle instanceof Failure) return handle;
    // The deadline of the wait is this front end's own clock's: `now` is the caller's. A get
    // that does not wait still tries again, within the time limit, a pull that got no answer.
    const deadline = Date.now() + waitMs;
    const giveUp = deadline + this.store.options.timeoutMs;
    // Set while JetStream's consumer is behind its stream (reads.ts: undelivered): pulls wait for it until then.
    let catchUpBy = 0;
    for (;;) {
      if (this.stopped) return null;
      const wait =
        catchUpBy > 0
          ? Math.min(Math.max(1, catchUpBy - Date.now()), CATCH_UP_SLICE_MS)
          : waitMs > 0
            ? Math.min(Math.max(1, deadline - Date.now()), PULL_SLICE_MS)
            : 0;
      this.inbox ??= this.store.pulls.inbox();
      await this.store.acks.settled(handle);
      const msg = await this.cancellable(this.inbox.pull(handle, wait));
      if (msg === null) {
        if (this.stopped || this.gone) return null;
        if (catchUpBy === 0 && Date.now() < deadline) continue; // a slice of a longer wait ended
        // JetStream says none: so it is, unless its consumer has not reached an item of its stream yet.
        const behind = await undelivered(this.store.jsm, handle);
        if (behind === false) return null;
        if (behind instanceof Failure) return waitMs > 0 ? null : behind;
        if (catchUpBy === 0) catchUpBy = Date.now() + this.store.options.timeoutMs;
        else if (Date.now() >= catchUpBy)
          return waitMs > 0
            ? null
            : storeFailed(`reserving from queue ${name}: JetStream's consumer did not catch up with its stream in time`);
        continue;
      }
      if (msg instanceof Failure) {
        if (this.stopped || this.gone || Date.now() >= giveUp || this.store.refusal() !== null) return waitMs > 0 ? null : msg;
        continue; // no answer: a consumer leader change; pull again
      }
      catchUpBy = 0;
      const item = itemOfDelivered(msg);
      if (item === null || this.gone) {
        this.store.acks.giveBack(msg.reply!);
        return null;
      }
      const gone = await this.deletedMeanwhile(handle, msg.reply!);
      if (gone instanceof Failure) {
        this.store.acks.giveBack(msg.reply!);
        if (this.stopped || this.gone || Date.now() >= giveUp || this.store.refusal() !== null) return waitMs > 0 ? null : gone;
        continue;
      }
      if (gone) {
        // Acknowledged already: JetStream's consumer read it from a copy of the stream behind its leader.
        this.store.acks.publish(msg.reply!, ACKNOWLEDGED);
      } else if (expired(item, now)) {
        if ((await this.store.remove(handle, item.id)) === true) handle.counts.expired++;
      } else if (this.store.deadLetters.exhausted(name, item.deliveries - 1)) {
        // Back after its last allowed delivery (a lease ran out, a front end died): not delivered again.
        const moved = await this.store.deadLetters.move(handle, { ...item, deliveries: item.deliveries - 1 });
        if (moved instanceof Failure) {
          this.store.acks.giveBack(msg.reply!);
          return moved;
        }
      } else {
        this.hold(handle, item, msg.reply!, leaseMs);
        return item;
      }
      if (waitMs > 0 && Date.now() >= deadline) return null;
    }
  }

  /**
   * True when a message JetStream delivers again (its ack wait ran out, or it was given back) is no
   * longer in the stream as the stream's leader has it: its delete was answered DELETED. The
   * consumer's leader reads messages from its own server's copy of the stream, which applies a
   * delete a moment after the stream's leader answered it; a message redelivered in that moment
   * (after a consumer leader change, when the holder's `+WPI` did not reach the new leader in time)
   * would come back after its DELETED. A first delivery is not looked up, which would cost a round
   * trip on every get: what that leaves is in docs/scale-out.md ("When a machine dies").
   */
  private async deletedMeanwhile(handle: QueueHandle, reply: string): Promise<boolean | Failure> {
    const delivery = deliveryOf(reply);
    if (delivery === null || delivery.deliveries <= 1) return false;
    const there = await stored(this.store.jsm, handle, delivery.id);
    return there instanceof Failure ? there : !there;
  }

  private async peek(name: string, waitMs: number, now: number): Promise<Item | null | Failure> {
    const handle = waitMs > 0 ? await this.store.catalog.make(name) : await this.store.catalog.find(name);
    if (handle === null || handle instanceof Failure) return handle;
    if (this.stopped) return null;
    await this.store.acks.settled(handle);
    if (waitMs === 0 || this.store.waitsEnded) return this.store.head(handle, now);
    // Watch for a publish before looking, so that one in between is not missed.
    const watch = this.store.published(handle, waitMs);
    const head = await this.store.head(handle, now);
    if (head !== null) {
      watch.cancel();
      return head;
    }
    const appeared = await this.cancellable(watch);
    return appeared ? this.store.head(handle, Date.now()) : null;
  }

  /** Awaits a wait that stopWaiting or disconnect may cancel. */
  private async cancellable<T>(w: Pull | { result: Promise<T>; cancel(): void }): Promise<T> {
    this.waiting = w;
    try {
      return (await w.result) as T;
    } finally {
      this.waiting = null;
    }
  }

  private hold(queue: QueueHandle, { id, deliveries }: Item, reply: string, leaseMs: number): void {
    const h: Held = { queue, id, reply, deliveries, leased: leaseMs > 0, holder: this };
    if (h.leased) this.store.acks.publish(reply, nak(leaseMs));
    this.store.held.add(h);
    let list = this.byQueue.get(queue.queue);
    if (list === undefined) {
      list = [];
      this.byQueue.set(queue.queue, list);
    }
    list.push(h);
  }

  /** The reservation `id` ends (or this connection's oldest on `name`, for id -1), held through this front end. */
  private heldHere(name: string, id: number): Held | null {
    if (id < 0) return this.byQueue.get(name)?.[0] ?? null;
    const handle = this.store.catalog.cached(name);
    return handle === null ? null : (this.store.held.find(handle.stream, id) ?? null);
  }

  /** Acknowledges: deletes the item, answered once a quorum has applied it. */
  private async ack(name: string, id: number): Promise<boolean | Failure> {
    const h = this.heldHere(name, id);
    if (h !== null) {
      const removed = await this.store.acknowledge(h);
      if (removed instanceof Failure) return removed;
      this.store.release(h);
      if (removed) h.queue.counts.acked++;
      return removed;
    }
    if (id < 0) return false;
    const handle = await this.store.catalog.find(name);
    if (handle === null || handle instanceof Failure) return handle ?? false;
    const removed = await this.store.removeById(handle, id);
    if (removed === true) handle.counts.acked++;
    return removed;
  }

  /**
   * Gives back: JetStream delivers it to the next reservation, at once or once `delayMs` has
   * passed (one held here waits out of sight in the delayed stream meanwhile: delays.ts; one held
   * through another front end as a pending message, NAKed with the delay); DEAD_LETTERED when it
   * went to the dead-letter queue instead (dead-letters.ts).
   */
  private async giveBack(name: string, id: number, delayMs: number): Promise<boolean | typeof DEAD_LETTERED | Failure> {
    const doing = `giving back an item of queue ${name}`;
    const h = this.heldHere(name, id);
    if (h !== null) {
      const deliveries = h.deliveries;
      const moving = this.store.deadLetters.exhausted(name, deliveries);
      const given = moving
        ? await this.store.deadLetters.moveHeld(h.queue, h.id, deliveries)
        : delayMs > 0
          ? await this.store.delays.postpone(h.queue, h.id, deliveries, delayMs)
          : await this.store.acks.send(h.reply, nak(), doing);
      if (given instanceof Failure) return given;
      this.store.release(h);
      if (moving) return DEAD_LETTERED;
      if (!given) return false;
      h.queue.counts.released++;
      return true;
    }
    if (id < 0) return false;
    const handle = await this.store.catalog.find(name);
    if (handle === null || handle instanceof Failure) return handle ?? false;
    const given = await this.store.sayById(handle, id, nak(delayMs), doing);
    if (given === true) handle.counts.released++;
    return given;
  }

  /**
   * Renews leases (touch): to end `leaseMs` from now (a NAK with that delay: JetStream keeps the
   * item pending until then), or with 0 to be held while its holder lasts (`+WPI` now, and the
   * front end's keep-alives after). Item `id` wherever it was delivered, or with id -1 every item
   * this connection holds on the queue.
   */
  private async renew(name: string, id: number, leaseMs: number): Promise<boolean | Failure> {
    const body = leaseMs > 0 ? nak(leaseMs) : IN_PROGRESS;
    const doing = `renewing a lease in queue ${name}`;
    const targets = id < 0 ? [...(this.byQueue.get(name) ?? [])] : [this.heldHere(name, id)].filter((h) => h !== null);
    for (const h of targets) {
      // Before the NAK goes: a keep-alive sent after it would cut the new lease short.
      h.leased = leaseMs > 0;
      const sent = await this.store.acks.send(h.reply, body, doing);
      if (sent instanceof Failure) return sent;
    }
    if (targets.length > 0 || id < 0) return targets.length > 0;
    // Delivered through another front end (or to a connection that has gone): a lease of 0 there
    // is one more ack wait, as nothing here keeps it alive after.
    const handle = await this.store.catalog.find(name);
    if (handle === null || handle instanceof Failure) return handle ?? false;
    return this.store.sayById(handle, id, body, doing);
  }
}
