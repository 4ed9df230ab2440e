/**
 * The `stats` reply as name/value pairs, shared by both protocols (docs/protocol.md: stats).
 * General fields follow memcached's names so that memcache tools (memcstat, …) read them;
 * per-queue fields are `queue_<name>_<field>`, from protocol/queue-stats.ts.
 */
import type { PartialBytes } from '../protocol/partial-bytes.js';
import { QUEUE_STATS_FIELDS, QUEUE_STATS_PREFIX } from '../protocol/queue-stats.js';
import type { QueueFigures } from './queue-ops/store.js';

/** Stats groups memcache tools ask for (`stats settings`, …): rq has nothing to report in them, so they are empty. */
export const EMPTY_STATS_GROUPS: ReadonlySet<string> = new Set(['settings', 'items', 'slabs', 'sizes', 'conns']);

/** Server-wide counters kept by the server (the engine keeps per-queue ones). */
export class ServerCounters {
  currConnections = 0;
  totalConnections = 0;
  /** Connections turned away by --max-connections (memcached's name). */
  rejectedConnections = 0;
  cmdGet = 0;
  cmdSet = 0;
  getHits = 0;
  getMisses = 0;
  /** `delete` (and binary DELETE) that ended a reservation, and those that found none (memcached's names). */
  deleteHits = 0;
  deleteMisses = 0;
  /** `flush` and `flush_all` carried out (memcached's cmd_flush). */
  cmdFlush = 0;
  /** Changes refused because the journal (or store) took none: each answered with an error. */
  refusedChanges = 0;
  /**
   * Bytes read from and written to clients (memcached's names), counted once per read event and
   * once per reply write, not per request; after TLS decryption.
   */
  bytesRead = 0;
  bytesWritten = 0;
  /** Authentication attempts, and the failed ones (memcached's names). */
  authCmds = 0;
  authErrors = 0;
}

export interface StatsSources {
  /** The queues' figures, from whichever store holds them. */
  readonly figures: QueueFigures;
  readonly counters: ServerCounters;
  readonly partialBytes: PartialBytes;
  readonly version: string;
  readonly startedAt: number;
  /** Extra pairs appended after the general ones (journal figures, limits, …). */
  readonly extra?: () => Array<[string, string | number]>;
}

export function collectStats(src: StatsSources, now: number): Array<[string, string | number]> {
  const totals = src.figures.totals;
  const c = src.counters;
  const memory = process.memoryUsage();
  const pairs: Array<[string, string | number]> = [
    ['pid', process.pid],
    ['uptime', Math.floor((now - src.startedAt) / 1000)],
    ['time', Math.floor(now / 1000)],
    ['version', src.version],
    ['curr_connections', c.currConnections],
    ['total_connections', c.totalConnections],
    ['rejected_connections', c.rejectedConnections],
    ['cmd_get', c.cmdGet],
    ['cmd_set', c.cmdSet],
    ['get_hits', c.getHits],
    ['get_misses', c.getMisses],
    ['delete_hits', c.deleteHits],
    ['delete_misses', c.deleteMisses],
    ['cmd_flush', c.cmdFlush],
    ['refused_changes', c.refusedChanges],
    ['bytes_read', c.bytesRead],
    ['bytes_written', c.bytesWritten],
    ['auth_cmds', c.authCmds],
    ['auth_errors', c.authErrors],
    ['curr_items', totals.items],
    ['total_items', totals.totalItems],
    ['bytes', totals.bytes],
    ['open_items', totals.open],
    ['rss_bytes', memory.rss],
    ['partial_bytes', src.partialBytes.held],
    ['partial_bytes_limit', src.partialBytes.limit === Infinity ? 0 : src.partialBytes.limit],
    ['partial_refusals', src.partialBytes.refusals],
  ];
  if (src.extra) pairs.push(...src.extra());
  for (const q of src.figures.queues) {
    const prefix = QUEUE_STATS_PREFIX + q.name + '_';
    for (const field of QUEUE_STATS_FIELDS) pairs.push([prefix + field.wire, q[field.name]]);
  }
  return pairs;
}
