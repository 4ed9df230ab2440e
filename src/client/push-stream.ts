/**
 * Pushing a stream of items (`seq 1000000 | rq push q`): SETs are written in batches without
 * waiting for replies, so a push costs no round trip per item; the replies are counted as they
 * come back. Socket back-pressure paces the reading of the source, so memory stays bounded
 * however long the stream. With several servers, batches go round-robin (docs/client.md).
 *
 * Nothing is sent twice: a server that cannot be connected to is skipped (nothing was sent to it),
 * but a connection that fails with pushes in flight ends the push, and the report says how many
 * items have unknown fate.
 */
import { STATUS, STATUS_TEXT } from '../protocol/binary/constants.js';
import type { Packet } from '../protocol/binary/packet.js';
import { RqClientError } from './errors.js';
import { Pipe } from './pipe.js';
import { encodeSets, errorText } from './requests.js';
import { formatAddress, type Rotation, type ServerAddress } from './servers.js';

/** Items per batch: big enough for large writes, small enough to spread over several servers. */
const BATCH_ITEMS = 4096;
/** Bytes per batch, for large items. */
const BATCH_BYTES = 1 << 20;
/** Refusals listed in a report; past this only the count grows (a bad stream can refuse millions). */
const MAX_LISTED_REFUSALS = 100;

export interface PushStreamOptions {
  readonly flags: number;
  readonly exptime: number;
  readonly timeoutMs: number;
}

export interface Refusal {
  /** 1-based position of the item in the stream. */
  readonly index: number;
  readonly server: string;
  readonly reason: string;
}

export interface PushReport {
  /** Items the servers confirmed. */
  pushed: number;
  /** Items a server refused (too large, …); at most MAX_LISTED_REFUSALS listed. */
  refusals: Refusal[];
  refused: number;
  /** Items sent whose reply never came: they may or may not be in the queue. */
  unconfirmed: number;
  /** Servers that could not be reached and were skipped. */
  skipped: RqClientError[];
  /** Why the push stopped early, if a server was the reason. */
  failure: RqClientError | null;
  /** Why the push stopped early, if the source was the reason (it threw). */
  sourceError: Error | null;
}

type Batch = { first: number; count: number; done: number };

/** One server's connection and the batches awaiting replies. */
class Lane {
  readonly batches: Batch[] = [];
  opaque = 0;
  idle: (() => void) | null = null;
  constructor(readonly pipe: Pipe) {}
  get inFlight(): number {
    let n = 0;
    for (const b of this.batches) n += b.count - b.done;
    return n;
  }
}

export async function pushStream(
  servers: readonly ServerAddress[],
  rotation: Rotation,
  key: string,
  source: AsyncIterable<readonly Buffer[]>,
  options: PushStreamOptions,
): Promise<PushReport> {
  const report: PushReport = { pushed: 0, refusals: [], refused: 0, unconfirmed: 0, skipped: [], failure: null, sourceError: null };
  const lanes: Array<Lane | 'down' | undefined> = servers.map(() => undefined);
  let next = 1;

  const onReplies = (lane: Lane, replies: Packet[]) => {
    for (const reply of replies) {
      const batch = lane.batches[0];
      const index = batch.first + batch.done++;
      if (batch.done === batch.count) lane.batches.shift();
      if (reply.status === STATUS.SUCCESS) {
        report.pushed++;
        continue;
      }
      report.refused++;
      if (report.refusals.length < MAX_LISTED_REFUSALS) {
        const reason = errorText(reply.value, STATUS_TEXT[reply.status] ?? `status ${reply.status}`);
        report.refusals.push({ index, server: lane.pipe.server, reason });
      }
    }
    if (lane.batches.length === 0) lane.idle?.();
  };
  const onFailure = (lane: Lane, error: RqClientError) => {
    if (report.failure === null) report.failure = error;
    report.unconfirmed += lane.inFlight;
    lane.batches.length = 0;
    lane.idle?.();
  };

  /** The lane for the next batch: round-robin, connecting on first use, skipping servers that are down. */
  const laneFor = async (): Promise<Lane | null> => {
    for (const i of rotation.pushOrder()) {
      const existing = lanes[i];
      if (existing === 'down') continue;
      if (existing !== undefined) {
        if (!existing.pipe.isDead) return existing;
        continue;
      }
      try {
        let lane: Lane | null = null;
        const pipe = await Pipe.connect(servers[i], options.timeoutMs, {
          onReplies: (replies) => onReplies(lane!, replies),
          onFailure: (error) => onFailure(lane!, error),
        });
        lane = new Lane(pipe);
        lanes[i] = lane;
        return lane;
      } catch (err) {
        lanes[i] = 'down';
        report.skipped.push(err instanceof RqClientError ? err : new RqClientError('unreachable', formatAddress(servers[i]), String(err)));
      }
    }
    return null;
  };

  const sendBatch = async (items: readonly Buffer[]): Promise<boolean> => {
    const lane = await laneFor();
    if (lane === null) {
      report.failure ??= report.skipped.at(-1) ?? new RqClientError('unreachable', '-', 'no server');
      return false;
    }
    lane.batches.push({ first: next, count: items.length, done: 0 });
    next += items.length;
    const bytes = encodeSets(key, items, options.flags, options.exptime, lane.opaque);
    lane.opaque = (lane.opaque + items.length) >>> 0;
    if (!lane.pipe.send(bytes, items.length)) await lane.pipe.drain();
    return report.failure === null;
  };

  try {
    outer: for await (const chunk of source) {
      let start = 0;
      while (start < chunk.length) {
        let end = start;
        let bytes = 0;
        while (end < chunk.length && end - start < BATCH_ITEMS && bytes < BATCH_BYTES) bytes += chunk[end++].length;
        if (!(await sendBatch(chunk.slice(start, end)))) break outer;
        start = end;
      }
    }
  } catch (err) {
    // What was read before the bad input is pushed and confirmed; the report says where it stopped.
    report.sourceError = err instanceof Error ? err : new Error(String(err));
  } finally {
    // Wait for every lane's replies, then close.
    for (const lane of lanes) {
      if (lane === undefined || lane === 'down') continue;
      if (lane.batches.length > 0 && !lane.pipe.isDead) {
        await new Promise<void>((resolve) => (lane.idle = resolve));
      }
      lane.pipe.close();
    }
  }
  return report;
}
