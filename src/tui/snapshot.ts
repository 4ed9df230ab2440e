/**
 * What the poller hands to the screen: one immutable snapshot per poll, and the pure functions
 * that build it from each server's last replies. With several servers the queue table is combined:
 * a queue spread over servers (as the client library spreads pushes) is one row, its figures summed
 * over the servers that answered; a server that is down contributes nothing until it is back.
 */
import type { HeadItem } from './source.js';
import type { QueuePoint } from './history.js';
import { sampleRates, sumRates, type QueueRates, type Sample } from './rates.js';
import { HEAD_FIGURES, QUEUE_FIGURE_NAMES, type QueueStats, type ParsedStats } from '../client/stats.js';

export type ServerState = 'connecting' | 'up' | 'down';

/** One server as the poller knows it (mutable, owned by the poller). */
export interface ServerTrack {
  readonly address: string;
  state: ServerState;
  /** The last two good samples since the server was last reached; cleared by a failure. */
  last?: Sample;
  prev?: Sample;
  /** The last good sample ever, kept through an outage for "last seen". */
  seen?: Sample;
  /** Rates between `prev` and `last`, by queue. */
  rates: Map<string, QueueRates>;
  /** Why the last attempt failed, in words ("connection refused"). */
  error?: string;
  /** When the poller will try a down server again. */
  nextAttemptAt: number;
}

export interface ServerView {
  readonly address: string;
  readonly state: ServerState;
  readonly error?: string;
  /** For a down server: ms until the next attempt. */
  readonly retryInMs?: number;
  /** When the last good reply arrived. */
  readonly lastGoodAt?: number;
  /** The last good stats (kept while down, for the header's "last seen" figures). */
  readonly stats?: ParsedStats;
  /** Server-wide rates: sums over its queues; undefined until two samples of one run exist. */
  readonly enqueue?: number;
  readonly dequeue?: number;
  readonly ack?: number;
}

export interface QueueRow extends QueueStats, QueueRates {
  readonly name: string;
  /** The servers (that are up) which list this queue. */
  readonly servers: readonly string[];
  /** The last minute of polls, oldest first. */
  readonly history: readonly QueuePoint[];
}

/** The head of the queue open in the detail view, peeked without consuming it. */
export interface HeadView {
  readonly queue: string;
  readonly server?: string;
  /** undefined: not peeked yet; null: the queue is empty. */
  readonly item?: HeadItem | null;
  readonly error?: string;
  readonly at?: number;
}

export interface Snapshot {
  readonly at: number;
  readonly intervalMs: number;
  readonly paused: boolean;
  readonly servers: readonly ServerView[];
  readonly queues: readonly QueueRow[];
  readonly head?: HeadView;
}

/** Records a good reply: shifts the samples and recomputes the rates. */
export function recordSuccess(track: ServerTrack, stats: ParsedStats, at: number): void {
  const sample = { at, stats };
  track.prev = track.last;
  track.last = sample;
  track.seen = sample;
  track.rates = sampleRates(track.prev, sample);
  track.state = 'up';
  track.error = undefined;
  track.nextAttemptAt = at;
}

/**
 * Records a failure. Only `seen` stays (for "last seen"): the next good reply is compared with
 * nothing from before the outage, whose counters may belong to another run of the server.
 */
export function recordFailure(track: ServerTrack, reason: string, at: number, retryMs: number): void {
  track.state = 'down';
  track.error = reason;
  track.prev = undefined;
  track.last = undefined;
  track.rates = new Map();
  track.nextAttemptAt = at + retryMs;
}

export function serverView(track: ServerTrack, now: number): ServerView {
  const up = track.state === 'up';
  const rates = [...track.rates.values()];
  const total = (pick: (r: QueueRates) => number | undefined) =>
    !up || track.prev === undefined ? undefined : rates.length === 0 ? 0 : sumRates(rates.map(pick));
  return {
    address: track.address,
    state: track.state,
    error: track.error,
    retryInMs: track.state === 'down' ? Math.max(0, track.nextAttemptAt - now) : undefined,
    lastGoodAt: track.seen?.at,
    stats: track.seen?.stats,
    enqueue: total((r) => r.enqueue),
    dequeue: total((r) => r.dequeue),
    ack: total((r) => r.ack),
  };
}

/** Every figure but the head's is summed over servers; the age is the oldest anywhere, the head's deliveries the most. */
const SUMMED = QUEUE_FIGURE_NAMES.filter((f) => !HEAD_FIGURES.has(f));

function sumDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}

/** The queue rows of the servers that are up, combined by name (history left empty). */
export function combineQueues(tracks: readonly ServerTrack[]): QueueRow[] {
  const rows = new Map<string, { [k: string]: unknown; servers: string[] }>();
  for (const t of tracks) {
    if (t.state !== 'up' || t.last === undefined) continue;
    for (const [name, q] of t.last.stats.queues) {
      const r = t.rates.get(name) ?? {};
      let row = rows.get(name);
      if (row === undefined) {
        row = { name, servers: [], history: [] };
        rows.set(name, row);
      }
      const acc = row as Record<string, number | undefined> & { servers: string[] };
      acc.servers.push(t.address);
      for (const f of SUMMED) acc[f] = sumDefined(acc[f], q[f]);
      // The oldest ready item over all servers; an empty queue has no oldest item.
      if (q.ageMs !== undefined && (q.items ?? 0) > 0) acc.ageMs = Math.max(acc.ageMs ?? 0, q.ageMs);
      if (q.headDeliveries !== undefined) acc.headDeliveries = Math.max(acc.headDeliveries ?? 0, q.headDeliveries);
      for (const k of ['enqueue', 'dequeue', 'ack', 'expired'] as const) acc[k] = sumRates([acc[k], r[k]]);
    }
  }
  return [...rows.values()] as unknown as QueueRow[];
}
