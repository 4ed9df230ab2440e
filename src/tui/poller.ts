/**
 * The poller: the only part of `rq top` that waits on anything. On every tick it asks each server
 * that is due for its stats (through the injected StatsSource), records replies and failures, peeks
 * at the head of the queue in focus, and publishes one immutable Snapshot to its subscribers (the
 * useSnapshots hook, or the --once printer). Plain TypeScript: time and timers come from a Clock,
 * so tests drive it by hand. Nothing a server does can make it throw: every failure becomes a
 * "down" state with a reason and a retry time.
 */
import { describeError } from './describe-error.js';
import { appendPoint, HISTORY_MS, type QueuePoint } from './history.js';
import type { StatsSource } from './source.js';
import { parseStats } from '../client/stats.js';
import type { Clock } from '../clock.js';
import {
  combineQueues,
  recordFailure,
  recordSuccess,
  serverView,
  type HeadView,
  type QueueRow,
  type ServerTrack,
  type Snapshot,
} from './snapshot.js';

export type { Clock };

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The default refresh interval. */
export const DEFAULT_INTERVAL_MS = 1000;
/** A down server is retried this often (or every interval, if that is longer). */
export const RETRY_MS = 2000;

export interface PollerOptions {
  readonly servers: readonly string[];
  readonly source: StatsSource;
  readonly intervalMs: number;
  /** How long to wait for one reply before calling the server down; default max(2 s, interval). */
  readonly timeoutMs?: number;
  readonly retryMs?: number;
  readonly clock?: Clock;
}

class Timeout extends Error {}

export class Poller {
  private readonly tracks: ServerTrack[];
  private readonly inFlight = new Set<ServerTrack>();
  private readonly listeners = new Set<() => void>();
  private history = new Map<string, QueuePoint[]>();
  private snapshot: Snapshot;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private timer: unknown = null;
  private running = false;
  private paused = false;
  private focusQueue: string | null = null;
  private head: HeadView | undefined;
  private rows: QueueRow[] = [];

  constructor(private readonly options: PollerOptions) {
    this.clock = options.clock ?? realClock;
    this.timeoutMs = options.timeoutMs ?? Math.max(RETRY_MS, options.intervalMs);
    this.retryMs = options.retryMs ?? Math.max(RETRY_MS, options.intervalMs);
    const now = this.clock.now();
    this.tracks = options.servers.map((address) => ({ address, state: 'connecting', rates: new Map(), nextAttemptAt: now }));
    this.snapshot = this.build(now);
  }

  /** The latest snapshot; the same object until the next publish (as useSyncExternalStore needs). */
  getSnapshot = (): Snapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Polls now and then every interval until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Pausing freezes the picture: no polls, no publishes, until resumed (which polls at once). */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    this.publish();
    if (!paused && this.running) {
      this.stop();
      this.start();
    }
  }

  /** Peeks at this queue's head on every poll (the detail view), or stops peeking (null). */
  focus(queue: string | null): void {
    if (queue === this.focusQueue) return;
    this.focusQueue = queue;
    this.head = queue === null ? undefined : { queue };
    this.publish();
    if (queue !== null && this.running && !this.paused) void this.peek(queue).then(() => this.publish());
  }

  /**
   * One round: asks every due server that has no request in flight, waits for the answers (each
   * bounded by the timeout), peeks at the focused queue, records a history point and publishes.
   */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const due = this.tracks.filter((t) => !this.inFlight.has(t) && (t.state !== 'down' || t.nextAttemptAt <= now));
    await Promise.all(due.map((t) => this.poll(t)));
    if (this.focusQueue !== null) await this.peek(this.focusQueue);
    this.rows = combineQueues(this.tracks);
    this.recordHistory(this.clock.now());
    this.publish();
  }

  private loop(): void {
    if (!this.running) return;
    const started = this.clock.now();
    if (!this.paused) void this.tick();
    const next = started + this.options.intervalMs;
    this.timer = this.clock.setTimeout(() => this.loop(), Math.max(0, next - this.clock.now()));
  }

  private async poll(track: ServerTrack): Promise<void> {
    this.inFlight.add(track);
    try {
      const pairs = await this.bounded(() => this.options.source.stats(track.address));
      recordSuccess(track, parseStats(pairs), this.clock.now());
    } catch (err) {
      recordFailure(track, this.reason(err), this.clock.now(), this.retryMs);
    } finally {
      this.inFlight.delete(track);
    }
  }

  /** Peeks on the first server (that is up) holding ready items in the queue, else the first listing it. */
  private async peek(queue: string): Promise<void> {
    const row = this.rows.find((r) => r.name === queue);
    const up = this.tracks.filter((t) => t.state === 'up' && t.last?.stats.queues.has(queue));
    const withItems = up.find((t) => (t.last?.stats.queues.get(queue)?.items ?? 0) > 0);
    const server = (withItems ?? up[0])?.address ?? row?.servers[0];
    if (server === undefined) {
      this.head = { queue, item: null, at: this.clock.now() };
      return;
    }
    let head: HeadView;
    try {
      const item = await this.bounded(() => this.options.source.peek(server, queue));
      head = { queue, server, item, at: this.clock.now() };
    } catch (err) {
      head = { queue, server, error: this.reason(err), at: this.clock.now() };
    }
    if (this.focusQueue === queue) this.head = head;
  }

  /** Runs a source call with the timeout; a call that never settles cannot hold the poller. */
  private async bounded<T>(call: () => Promise<T>): Promise<T> {
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(
        () => reject(new Timeout(`no reply within ${Math.round(this.timeoutMs / 1000)} s`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  private reason(err: unknown): string {
    return err instanceof Timeout ? err.message : describeError(err);
  }

  private recordHistory(at: number): void {
    const next = new Map<string, QueuePoint[]>();
    for (const row of this.rows) {
      const point: QueuePoint = {
        at,
        items: row.items,
        open: row.open,
        ageMs: row.ageMs,
        enqueue: row.enqueue,
        dequeue: row.dequeue,
        ack: row.ack,
      };
      next.set(row.name, appendPoint(this.history.get(row.name) ?? [], point, HISTORY_MS));
    }
    // Queues not listed this round keep their past for a minute (a server may be back soon).
    for (const [name, points] of this.history) {
      if (!next.has(name) && points.length > 0 && points[points.length - 1].at >= at - HISTORY_MS) next.set(name, points);
    }
    this.history = next;
  }

  private build(now: number): Snapshot {
    return {
      at: now,
      intervalMs: this.options.intervalMs,
      paused: this.paused,
      servers: this.tracks.map((t) => serverView(t, now)),
      queues: this.rows.map((r) => ({ ...r, history: this.history.get(r.name) ?? [] })),
      head: this.head,
    };
  }

  private publish(): void {
    if (this.paused && this.snapshot.paused) return;
    this.snapshot = this.build(this.clock.now());
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the poller keeps polling.
      }
    }
  }
}
