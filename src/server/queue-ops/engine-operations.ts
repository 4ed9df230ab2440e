/**
 * The queue operations over the embedded engine and its journal (the QueueOperations of
 * operations.ts): every outcome is known at once, except a get that waits. Checks come before any
 * change, in the same order for both protocols; counters are bumped here and nowhere else.
 */
import { expiresAtMs } from '../../protocol/exptime.js';
import { queueNameError, type DeleteTarget, type KeyOptions, type TouchTarget } from '../../protocol/key.js';
import { QUEUE_FULL, TOO_MANY_OPEN, type DEAD_LETTERED, type Holder, type QueueEngine } from '../../queue/engine.js';
import type { Item } from '../../queue/types.js';
import type { Persistence } from '../persistence.js';
import type { ServerCounters } from '../stats.js';
import { invalid, queueFull, refused, tooManyOpen, tooManyQueues } from './failures.js';
import { Failure, type QueueOperations, type Queues } from './operations.js';
import { changes, heldAfter, setTargetOf, touchLeaseMs } from './rules.js';

/** The engine and journal of `rq serve`, shared by every connection. */
export class EngineQueues implements Queues {
  constructor(
    readonly engine: QueueEngine,
    readonly persistence: Persistence,
    readonly counters: ServerCounters,
  ) {}

  connect(): EngineOperations {
    return new EngineOperations(this.engine, this.persistence, this.counters, this.engine.newHolder());
  }
}

/** One connection's operations: `holder` holds its reservations. */
export class EngineOperations implements QueueOperations {
  /** Answers the get that waits now, if one does. */
  private answerWait: ((item: Item | null) => void) | null = null;

  constructor(
    private readonly engine: QueueEngine,
    private readonly persistence: Persistence,
    private readonly counters: ServerCounters,
    private readonly holder: Holder,
  ) {}

  enqueue(key: string, flags: number, exptime: number, data: Buffer, now: number): number | Failure {
    this.counters.cmdSet++;
    const target = setTargetOf(key);
    if (target instanceof Failure) return target;
    const { queue, delayMs } = target;
    const refusal = this.refusal();
    if (refusal !== null) return refusal;
    const id = this.engine.enqueue(queue, flags, expiresAtMs(exptime, now), data, now, delayMs);
    if (typeof id === 'number') return id;
    return id === QUEUE_FULL ? queueFull(queue, this.engine.limits) : tooManyQueues(this.engine.limits);
  }

  checkKeys(keys: readonly KeyOptions[]): Failure | null {
    if (keys.some(changes)) {
      const refusal = this.refusal();
      if (refusal !== null) return refusal;
    }
    const held = new Map<string, number>();
    for (const key of keys) {
      const after = heldAfter(held.get(key.queue) ?? this.engine.heldCount(this.holder, key.queue), key);
      if (key.open && after > this.engine.limits.maxOpen) return tooManyOpen(key.queue, this.engine.limits);
      held.set(key.queue, after);
    }
    return null;
  }

  get(key: KeyOptions, now: number): Item | null | Failure | Promise<Item | null> {
    if (changes(key)) {
      const refusal = this.refusal();
      if (refusal !== null) return refusal;
      // --max-open, by the rule checkKeys applies (heldAfter): the engine's own guard cannot then refuse.
      if (key.open && heldAfter(this.engine.heldCount(this.holder, key.queue), key) > this.engine.limits.maxOpen) {
        return tooManyOpen(key.queue, this.engine.limits);
      }
    }
    this.counters.cmdGet++;
    const item = this.carryOut(key, now);
    if (item === TOO_MANY_OPEN) {
      this.counters.getMisses++;
      return tooManyOpen(key.queue, this.engine.limits);
    }
    if (item !== null) {
      this.counters.getHits++;
      return item;
    }
    if (key.waitMs > 0) return this.wait(key, now);
    this.counters.getMisses++;
    return null;
  }

  end(target: DeleteTarget, now: number): boolean | typeof DEAD_LETTERED | Failure {
    const refusal = this.refusal();
    if (refusal !== null) return refusal;
    const { queue, id } = target;
    const engine = this.engine;
    let ended: boolean | typeof DEAD_LETTERED;
    if (target.abort)
      ended =
        id > 0 ? engine.releaseById(queue, id, now, target.delayMs) : engine.release(this.holder, queue, now, target.delayMs);
    else ended = id > 0 ? engine.ackById(queue, id) : engine.ack(this.holder, queue);
    if (ended) this.counters.deleteHits++;
    else this.counters.deleteMisses++;
    return ended;
  }

  touch(target: TouchTarget, exptime: number, now: number): boolean | Failure {
    const leaseMs = touchLeaseMs(target, exptime, now);
    if (leaseMs instanceof Failure) return leaseMs;
    return this.engine.touch(this.holder, target.queue, target.id, now, leaseMs);
  }

  flush(queue: string): number | Failure {
    const refusal = this.refusal();
    if (refusal !== null) return refusal;
    const problem = queueNameError(queue);
    if (problem !== null) return invalid(problem);
    this.counters.cmdFlush++;
    return this.engine.flush(queue);
  }

  flushAll(delaySeconds: number, now: number): undefined | Failure {
    const refusal = this.refusal();
    if (refusal !== null) return refusal;
    this.counters.cmdFlush++;
    this.engine.flushAll(now, delaySeconds * 1000);
    return undefined;
  }

  dropQueue(queue: string): boolean | Failure {
    const problem = queueNameError(queue);
    if (problem !== null) return invalid(problem);
    const refusal = this.refusal();
    if (refusal !== null) return refusal;
    return this.engine.dropQueue(queue);
  }

  stopWaiting(): void {
    const answer = this.answerWait;
    if (answer === null) return;
    if (this.holder.waiter !== null) this.engine.cancelWait(this.holder.waiter);
    answer(null);
  }

  disconnect(now: number): void {
    this.answerWait = null;
    this.engine.closeHolder(this.holder, now);
  }

  /** Why changes are refused now (the journal cannot write), or null when they are taken. */
  private refusal(): Failure | null {
    const reason = this.persistence.writeRefusal();
    if (reason === null) return null;
    this.counters.refusedChanges++;
    return refused(reason);
  }

  /** The engine calls of a get key: close or abort first, then reserve or peek. */
  private carryOut(key: KeyOptions, now: number): Item | null | typeof TOO_MANY_OPEN {
    const { queue, id } = key;
    if (key.close) {
      if (id > 0) this.engine.ackById(queue, id);
      else this.engine.ack(this.holder, queue);
    } else if (key.abort) {
      if (id > 0) this.engine.releaseById(queue, id, now, key.delayMs);
      else this.engine.release(this.holder, queue, now, key.delayMs);
      return null;
    }
    if (key.peek) return this.engine.peek(queue, now);
    if (!key.open) return null;
    return this.engine.reserve(this.holder, queue, now, key.leaseMs);
  }

  /** Blocks until an item arrives on the key's queue (reserved, or shown for peek) or the wait times out. */
  private wait(key: KeyOptions, now: number): Promise<Item | null> {
    return new Promise((resolve) => {
      // A get that waits is counted when it ends, as a hit or a miss.
      this.answerWait = (item) => {
        this.answerWait = null;
        if (item !== null) this.counters.getHits++;
        else this.counters.getMisses++;
        resolve(item);
      };
      this.engine.wait(this.holder, key.queue, now, key.waitMs, key.peek, key.leaseMs, this.answerWait);
    });
  }
}
