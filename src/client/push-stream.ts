/**
 * Pushing a stream of items (`seq 1000000 | rq push q`): SETs are written in batches without
 * waiting for replies, so a push costs no round trip per item; the replies are counted as they
 * come back. Socket back-pressure paces the reading of the source, so memory stays bounded
 * however long the stream.
 *
 * With several servers, items go round-robin, item by item (docs/client.md): the servers are
 * connected to first, those that cannot be reached are skipped (nothing was sent to them), and
 * each chunk of the source is dealt out over the rest. Nothing is sent twice: a connection that
 * fails with pushes in flight ends the push, and the report says how many items have unknown fate.
 */
import type { Security } from './connect.js';
import { STATUS, STATUS_TEXT } from '../protocol/binary/constants.js';
import type { Packet } from '../protocol/binary/packet.js';
import { RqClientError } from './errors.js';
import { Pipe } from './pipe.js';
import { errorText } from './requests.js';
import type { Rotation, ServerAddress } from './servers.js';

/** Items per batch on one connection: big writes, and a bounded amount of encoding at a time. */
const BATCH_ITEMS = 4096;
/** Bytes per batch, for large items. */
const BATCH_BYTES = 1 << 20;
/** Refusals listed in a report; past this only the count grows (a bad stream can refuse millions). */
const MAX_LISTED_REFUSALS = 100;

/** How the items of a stream become SET requests. */
export interface SetEncoding<T> {
  /** The data bytes of one item (a batch is cut at BATCH_BYTES). */
  bytes(item: T): number;
  /** The SET requests of a batch, in one buffer, opaques counting up from `firstOpaque`. */
  encode(batch: readonly T[], firstOpaque: number): Buffer;
}

export interface PushStreamOptions {
  readonly timeoutMs: number;
  /** TLS and login (connect.ts); plain TCP when absent. */
  readonly security?: Security;
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

/** Items sent in one write: the stream positions first, first + stride, … */
type Batch = { readonly first: number; readonly stride: number; readonly count: number; done: number };

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

export async function pushStream<T>(
  servers: readonly ServerAddress[],
  rotation: Rotation,
  source: AsyncIterable<readonly T[]>,
  encoding: SetEncoding<T>,
  options: PushStreamOptions,
): Promise<PushReport> {
  const report: PushReport = {
    pushed: 0,
    refusals: [],
    refused: 0,
    unconfirmed: 0,
    skipped: [],
    failure: null,
    sourceError: null,
  };

  const onReplies = (lane: Lane, replies: Packet[]) => {
    for (const reply of replies) {
      const batch = lane.batches[0];
      const index = batch.first + batch.stride * batch.done++;
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
    report.failure ??= error;
    report.unconfirmed += lane.inFlight;
    lane.batches.length = 0;
    lane.idle?.();
  };

  // Connect to every server, in rotation order (the first takes the first item).
  const lanes: Lane[] = [];
  for (const i of rotation.pushOrder()) {
    try {
      let lane: Lane | null = null;
      const pipe = await Pipe.connect(
        servers[i],
        options.timeoutMs,
        {
          onReplies: (replies) => onReplies(lane!, replies),
          onFailure: (error) => onFailure(lane!, error),
        },
        options.security,
      );
      lane = new Lane(pipe);
      lanes.push(lane);
    } catch (err) {
      report.skipped.push(err as RqClientError);
    }
  }
  if (lanes.length === 0) {
    report.failure = report.skipped[0];
    return report;
  }

  /** Sends items[from], items[from + stride], … (up to `count`) on one lane. */
  const send = async (lane: Lane, items: readonly T[], from: number, stride: number, first: number): Promise<void> => {
    let batch: T[] = [];
    let bytes = 0;
    let batchFirst = first;
    const flush = async () => {
      if (batch.length === 0) return;
      lane.batches.push({ first: batchFirst, stride, count: batch.length, done: 0 });
      const encoded = encoding.encode(batch, lane.opaque);
      lane.opaque = (lane.opaque + batch.length) >>> 0;
      batchFirst += stride * batch.length;
      batch = [];
      bytes = 0;
      if (!lane.pipe.send(encoded, lane.batches.at(-1)!.count)) await lane.pipe.drain();
    };
    for (let j = from; j < items.length; j += stride) {
      batch.push(items[j]);
      bytes += encoding.bytes(items[j]);
      if (batch.length >= BATCH_ITEMS || bytes >= BATCH_BYTES) await flush();
    }
    await flush();
  };

  let position = 0; // items taken from the source so far
  try {
    for await (const chunk of source) {
      if (report.failure !== null) break;
      const n = lanes.length;
      // Item `position + j` goes to lane (position + j) mod n.
      for (let l = 0; l < n; l++) {
        const lane = lanes[(position + l) % n];
        if (l < chunk.length && !lane.pipe.isDead) await send(lane, chunk, l, n, position + l + 1);
      }
      position += chunk.length;
    }
  } catch (err) {
    // What was read before the bad input is pushed and confirmed; the report says where it stopped.
    report.sourceError = err instanceof Error ? err : new Error(String(err));
  } finally {
    for (const lane of lanes) {
      if (lane.batches.length > 0 && !lane.pipe.isDead) await new Promise<void>((resolve) => (lane.idle = resolve));
      lane.pipe.close();
    }
  }
  return report;
}
