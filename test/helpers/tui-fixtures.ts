/** Stats replies and snapshots for the TUI's tests, built the way the server builds them. */
import type { StatsPairs } from '../../src/tui/source.js';
import type { QueueRow, ServerView, Snapshot } from '../../src/tui/snapshot.js';
import { parseStats, type QueueFigures } from '../../src/client/stats.js';

/** A queue's figures as the server names them on the wire. */
export interface WireFigures {
  items?: number;
  open?: number;
  bytes?: number;
  total_items?: number;
  expired_items?: number;
  acked?: number;
  released?: number;
  waiters?: number;
  age_ms?: number;
}

/** A stats reply in the server's order (src/server/stats.ts): general fields, then each queue's nine. */
export function statsReply(general: Record<string, string | number>, queues: Record<string, WireFigures>): StatsPairs {
  const pairs: Array<[string, string]> = Object.entries({ pid: 100, uptime: 10, version: '0.1.0', ...general }).map(([k, v]) => [
    k,
    String(v),
  ]);
  for (const [name, q] of Object.entries(queues)) {
    const full = {
      items: 0,
      open: 0,
      bytes: 0,
      total_items: 0,
      expired_items: 0,
      acked: 0,
      released: 0,
      waiters: 0,
      age_ms: 0,
      ...q,
    };
    for (const f of [
      'items',
      'open',
      'bytes',
      'total_items',
      'expired_items',
      'acked',
      'released',
      'waiters',
      'age_ms',
    ] as const) {
      pairs.push([`queue_${name}_${f}`, String(full[f])]);
    }
  }
  return pairs;
}

export function upServer(
  address: string,
  general: Record<string, string | number> = {},
  rates: Partial<ServerView> = {},
): ServerView {
  return { address, state: 'up', lastGoodAt: 0, stats: parseStats(statsReply(general, {})), ...rates };
}

export function row(name: string, figures: QueueFigures & Partial<QueueRow> = {}): QueueRow {
  return {
    name,
    servers: ['127.0.0.1:22133'],
    history: [],
    items: 0,
    open: 0,
    waiters: 0,
    bytes: 0,
    ageMs: 0,
    totalItems: 0,
    acked: 0,
    released: 0,
    expiredItems: 0,
    ...figures,
  };
}

export function snapshot(parts: Partial<Snapshot> = {}): Snapshot {
  return { at: 1_000_000, intervalMs: 1000, paused: false, servers: [upServer('127.0.0.1:22133')], queues: [], ...parts };
}
