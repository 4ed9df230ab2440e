/**
 * The per-queue fields of the `stats` reply (docs/protocol.md: stats), defined once: the server
 * writes them from this table (server/stats.ts) and the client parses them with it
 * (client/stats.ts). Each queue's fields are sent together as `queue_<name>_<wire>`, in this order,
 * `items` first; `name` is the property that holds the figure on either side.
 */
export const QUEUE_STATS_FIELDS = [
  /** Ready items: enqueued, not reserved. */
  { wire: 'items', name: 'items' },
  /** Reserved items not yet acknowledged or released. */
  { wire: 'open', name: 'open' },
  /** Data bytes of the ready and open items. */
  { wire: 'bytes', name: 'bytes' },
  /** Items enqueued since the start. */
  { wire: 'total_items', name: 'totalItems' },
  /** Reservations made since the start (an item reserved again counts again). */
  { wire: 'delivered', name: 'delivered' },
  { wire: 'expired_items', name: 'expiredItems' },
  { wire: 'acked', name: 'acked' },
  { wire: 'released', name: 'released' },
  /** Oldest ready items dropped to make room on a full queue (`--discard-old`). */
  { wire: 'discarded', name: 'discarded' },
  /** Items refused because the queue was full. */
  { wire: 'rejected', name: 'rejected' },
  /** Blocked gets waiting on the queue now. */
  { wire: 'waiters', name: 'waiters' },
  /** How long the head item has waited, in ms; 0 when no item is ready. */
  { wire: 'age_ms', name: 'ageMs' },
  /** Items waiting for their due time (`delay=`); not counted in `items`. */
  { wire: 'delayed', name: 'delayed' },
  /** Items moved to the queue `<name>.dead` after `--max-deliveries` deliveries, since the start. */
  { wire: 'dead', name: 'dead' },
  /** How many times the head item has been delivered; 0 when no item is ready. */
  { wire: 'head_deliveries', name: 'headDeliveries' },
] as const;

/** The name of a per-queue figure (`totalItems`, `ageMs`, …). */
export type QueueStatsName = (typeof QUEUE_STATS_FIELDS)[number]['name'];

/** What every per-queue field name starts with. */
export const QUEUE_STATS_PREFIX = 'queue_';
