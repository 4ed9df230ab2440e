/** The server's defaults, in a module of their own so that the CLI can show them without loading the server. */
export const DEFAULT_HOST = '127.0.0.1';
export { DEFAULT_PORT } from '../protocol/port.js';
/** memcached's default item size limit. */
export const DEFAULT_MAX_ITEM_SIZE = 1024 * 1024;
/** Open reservations one connection may hold on one queue. */
export const DEFAULT_MAX_OPEN = 100;
/**
 * `--fsync`: 50 ms, as beanstalkd. Measured (bench/RESULTS-journal.md): `always` costs ~5x at depth 1 (each
 * round trip waits for a disk flush), while 50 ms stays near the speed of no journal and loses at most the
 * last 50 ms of acknowledged changes in a machine crash (none in a process crash). docs/durability.md says what each promises.
 */
export const DEFAULT_FSYNC = '50';
/** Connections served at once: memcached's default (-c 1024). */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/**
 * Items (ready plus open) one queue may hold. Ten million small items take about half a GiB; a
 * queue that grows past this has consumers that stopped, and refusing new items says so early.
 */
export const DEFAULT_MAX_QUEUE_ITEMS = 10_000_000;
/** Data bytes (ready plus open) one queue may hold: rq keeps every item in memory. */
export const DEFAULT_MAX_QUEUE_BYTES = 1024 * 1024 * 1024;
/**
 * Bytes of item data still arriving that the server holds at once, over all connections: a set's
 * data is collected whole once it spans reads. 256 MiB lets hundreds of producers send large items
 * at once and keeps a flood of slow senders from exhausting memory; never less than four of the
 * largest items, so that big items do not starve each other.
 */
export function defaultMaxPartialBytes(maxItemSize: number): number {
  return Math.max(256 * 1024 * 1024, 4 * maxItemSize);
}

/** Seconds a stopping server gives its clients to read their last replies. */
export const DEFAULT_SHUTDOWN_TIMEOUT_S = 10;
/**
 * Queues at once. Each costs about a KiB even when empty (more with items): the bound on what a
 * client inventing queue names can cost. Work-queue deployments use tens, not thousands.
 */
export const DEFAULT_MAX_QUEUES = 10_000;
/** `--metrics` given without an address: loopback, on the port the docs' scrape config uses. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9133';
/**
 * Per-queue series for at most this many queues (`--metrics-max-queues`): each queue adds a dozen
 * series, and a thousand queues (12,000 series) is about what a Prometheus takes from one target
 * without strain; deployments with more queues see the deepest ones.
 */
export const DEFAULT_METRICS_MAX_QUEUES = 1000;
