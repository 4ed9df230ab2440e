/**
 * What `rq top` needs from the outside world, and nothing more: the stats of a server and a peek at
 * the head of a queue. The CLI injects an implementation (src/cli/top/source.ts, over the client
 * library); tests inject their own. The TUI never opens a socket itself.
 */

import type { StatsPairs } from '../client/stats.js';

export type { StatsPairs };

/** The head item of a queue, seen without reserving it (`get q/peek`). */
export interface HeadItem {
  readonly data: Uint8Array;
  readonly flags: number;
  /** The item id, when the protocol reported it (the cas value of `gets`). */
  readonly id?: number;
  /** How many times it has been delivered (reserved) so far, when the server said. */
  readonly deliveries?: number;
}

export interface StatsSource {
  /** The server's `stats`. Rejects (never throws synchronously) when the server cannot answer. */
  stats(server: string): Promise<StatsPairs>;
  /** The head item of `queue` without consuming it, or null when the queue is empty. */
  peek(server: string, queue: string): Promise<HeadItem | null>;
  /** Closes any connections the source keeps. */
  close(): void;
}
