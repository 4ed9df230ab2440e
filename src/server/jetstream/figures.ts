/**
 * The `stats` figures of queues on JetStream: what the stream and its consumer say, cluster-wide,
 * and what this front end counted itself (acknowledged, given back, expired, refused: JetStream
 * keeps no such totals). Items given back and not yet delivered again count as open, not ready,
 * as JetStream counts them (docs/scale-out.md).
 */
import type { StreamInfo } from '@nats-io/jetstream';
import type { EngineTotals } from '../../queue/engine.js';
import type { EngineQueueStats } from '../../queue/types.js';
import { isGone } from './api-errors.js';
import { CONSUMER_NAME } from './names.js';
import type { JetStreamStore } from './store.js';

/** One queue's figures (a queue deleted meanwhile shows as empty). */
export async function queueFigures(
  store: JetStreamStore,
  name: string,
  info: StreamInfo,
  now: number,
  delayed?: { readonly items: number; readonly bytes: number },
): Promise<EngineQueueStats> {
  const handle = store.catalog.handleOf(name);
  let ready = 0,
    open = 0,
    waiters = 0,
    ageMs = 0,
    delivered = 0;
  try {
    const ci = await store.jsm.consumers.info(info.config.name, CONSUMER_NAME);
    ready = ci.num_pending;
    open = ci.num_ack_pending;
    waiters = ci.num_waiting;
    // The consumer's sequence counts every delivery, redeliveries included, cluster-wide.
    delivered = ci.delivered.consumer_seq;
    if (ready > 0 && open === 0) {
      // Nothing delivered is still in the stream: its first item is the head (no request needed).
      ageMs = Math.max(0, now - Date.parse(info.state.first_ts));
    } else if (ready > 0) {
      const head = await store.jsm.direct.getMessage(info.config.name, {
        seq: ci.delivered.stream_seq + 1,
        next_by_subj: handle.subject,
      });
      if (head !== null) ageMs = Math.max(0, now - head.time.getTime());
    }
  } catch (err) {
    if (!isGone(err)) throw err;
  }
  const c = handle.counts;
  return {
    name,
    items: ready,
    open,
    bytes: info.state.bytes + (delayed?.bytes ?? 0),
    totalItems: info.state.last_seq,
    delivered,
    expiredItems: c.expired,
    acked: c.acked,
    released: c.released,
    discarded: 0,
    rejected: c.rejected,
    waiters,
    ageMs,
    delayed: delayed?.items ?? 0,
    dead: c.dead,
    headDeliveries: 0,
  };
}

/** Totals over every queue, as `stats` reports them. */
export function totalsOf(streams: readonly StreamInfo[], queues: readonly EngineQueueStats[]): EngineTotals {
  let items = 0,
    bytes = 0,
    totalItems = 0,
    open = 0;
  for (const s of streams) {
    items += s.state.messages;
    bytes += s.state.bytes;
    totalItems += s.state.last_seq;
  }
  for (const q of queues) open += q.open;
  return { items, bytes, totalItems, open };
}
