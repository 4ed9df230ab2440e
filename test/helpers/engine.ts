/** Helpers for engine tests: a ChangeLog that records every change as a line, a fixture, item data shortcuts. */
import { beforeEach } from 'vitest';
import { QueueEngine, TOO_MANY_OPEN, type Holder } from '../../src/queue/engine.js';
import { UNLIMITED } from '../../src/queue/limits.js';
import type { ChangeLog, Item, EngineQueueStats } from '../../src/queue/types.js';

/** The time engine tests start at (ms since the epoch). */
export const T0 = 1_700_000_000_000;

/** Records each ChangeLog call as one readable line, in order (e.g. `reserved q 3`). */
export class RecordingLog implements ChangeLog {
  readonly lines: string[] = [];

  enqueued(queue: string, id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void {
    this.lines.push(`enqueued ${queue} ${id} ${flags} ${expiresAt} ${enqueuedAt} ${data.toString('latin1')}`);
  }
  reserved(queue: string, id: number): void {
    this.lines.push(`reserved ${queue} ${id}`);
  }
  acked(queue: string, id: number): void {
    this.lines.push(`acked ${queue} ${id}`);
  }
  released(queue: string, id: number): void {
    this.lines.push(`released ${queue} ${id}`);
  }
  expired(queue: string, id: number): void {
    this.lines.push(`expired ${queue} ${id}`);
  }
  flushed(queue: string): void {
    this.lines.push(`flushed ${queue}`);
  }
  dropped(queue: string): void {
    this.lines.push(`dropped ${queue}`);
  }
  /** Id bounds are not lines: they come every half a block of ids, and their own test checks them. */
  nextId(next: number): void {
    this.bounds.push(next);
  }
  flushAll(at: number): void {
    this.lines.push(`flush_all ${at}`);
  }

  /** Every bound on ids recorded (nextId), in order. */
  readonly bounds: number[] = [];
  delayed(queue: string, id: number, dueAt: number): void {
    this.lines.push(`delayed ${queue} ${id} ${dueAt}`);
  }
  due(queue: string, id: number): void {
    this.lines.push(`due ${queue} ${id}`);
  }
  dead(queue: string, id: number): void {
    this.lines.push(`dead ${queue} ${id}`);
  }
  fanout(queue: string): void {
    this.lines.push(`fanout ${queue}`);
  }

  /** Returns the lines recorded since the last call. */
  take(): string[] {
    return this.lines.splice(0);
  }
}

export const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

/** The id of an item the engine stored; throws when it refused the item (a full queue, too many queues). */
export function enqueuedId(result: ReturnType<QueueEngine['enqueue']>): number {
  if (typeof result !== 'number') throw new Error(`enqueue refused: ${result}`);
  return result;
}

/** An item's data as text, or null. */
export function text(item: Item | null | string): string | null {
  if (item === null) return null;
  if (typeof item === 'string') return item;
  return item.data.toString('latin1');
}

/**
 * An engine (maxOpen 3) recording its changes, with shortcuts that speak in item texts (arrow
 * functions, so a test file can take them out of the fixture). reset() starts a new engine.
 */
export class EngineFixture {
  log = new RecordingLog();
  engine = new QueueEngine({ ...UNLIMITED, maxOpen: 3 }, this.log);

  reset(): void {
    this.log = new RecordingLog();
    this.engine = new QueueEngine({ ...UNLIMITED, maxOpen: 3 }, this.log);
  }

  /** Enqueues each text at T0; returns the ids. */
  readonly put = (queue: string, ...data: string[]): number[] =>
    data.map((d) => enqueuedId(this.engine.enqueue(queue, 0, 0, buf(d), T0)));

  /** The reserved item's text, null when the queue is empty, or TOO_MANY_OPEN (a string too). */
  readonly reserveText = (holder: Holder, queue: string, now = T0, leaseMs = 0): string | null => {
    const r = this.engine.reserve(holder, queue, now, leaseMs);
    return r === TOO_MANY_OPEN ? r : text(r);
  };

  readonly readyTexts = (queue: string): string[] => [...this.engine.readyItems(queue)].map((i) => text(i)!);

  readonly statsOf = (queue: string, now = T0): EngineQueueStats | undefined =>
    this.engine.stats(now).find((s) => s.name === queue);
}

/** For an engine test file: one fixture, with a new engine before each test (registers the beforeEach). */
export function engineEachTest(): EngineFixture {
  const f = new EngineFixture();
  beforeEach(() => f.reset());
  return f;
}

/** A wait callback that records its calls. */
export function recorder(): { calls: Array<Item | null>; wake: (item: Item | null) => void } {
  const calls: Array<Item | null> = [];
  return { calls, wake: (item) => calls.push(item) };
}
