/**
 * Every series rq exports, defined once: its name, type, help text and where its value comes from.
 * Names follow Prometheus' rules (rq_ prefix, base units in the name, `_total` on counters), and
 * no counter's name without `_total` is another series' name, as OpenMetrics requires.
 * docs/monitoring.md describes each one (a test keeps the two in step). A new figure is one line.
 */
import type { EngineQueueStats } from '../../queue/types.js';
import type { JournalFigures, ScrapeFigures } from './figures.js';

export type SeriesType = 'gauge' | 'counter';

/** A series with one value (or, labelled by the queue, one per queue). */
export interface Series<T> {
  readonly name: string;
  readonly type: SeriesType;
  readonly help: string;
  readonly value: (from: T) => number;
}

/** A series with one value per value of its label. */
export interface LabelledSeries<T> {
  readonly name: string;
  readonly type: SeriesType;
  readonly help: string;
  readonly label: string;
  readonly values: (from: T) => ReadonlyArray<readonly [string, number]>;
}

/** The label of per-queue series. */
export const QUEUE_LABEL = 'queue';

/** Per queue, labelled `queue="<name>"`. */
export const QUEUE_SERIES: ReadonlyArray<Series<EngineQueueStats>> = [
  { name: 'rq_queue_ready_items', type: 'gauge', help: 'Items ready to be reserved.', value: (q) => q.items },
  {
    name: 'rq_queue_open_items',
    type: 'gauge',
    help: 'Items reserved and not yet acknowledged or released.',
    value: (q) => q.open,
  },
  {
    name: 'rq_queue_waiters',
    type: 'gauge',
    help: 'Blocking gets waiting for an item on the queue (peeks included).',
    value: (q) => q.waiters,
  },
  { name: 'rq_queue_data_bytes', type: 'gauge', help: 'Data bytes of the ready and open items.', value: (q) => q.bytes },
  {
    name: 'rq_queue_oldest_item_age_seconds',
    type: 'gauge',
    help: 'How long the oldest ready item has waited since it was enqueued; 0 when no item is ready.',
    value: (q) => q.ageMs / 1000,
  },
  { name: 'rq_queue_enqueued_items_total', type: 'counter', help: 'Items enqueued.', value: (q) => q.totalItems },
  {
    name: 'rq_queue_delivered_items_total',
    type: 'counter',
    help: 'Reservations made (an item reserved again counts again).',
    value: (q) => q.delivered,
  },
  { name: 'rq_queue_acked_items_total', type: 'counter', help: 'Items acknowledged.', value: (q) => q.acked },
  {
    name: 'rq_queue_released_items_total',
    type: 'counter',
    help: 'Items put back at the head (abort, closed connection, lease ended).',
    value: (q) => q.released,
  },
  {
    name: 'rq_queue_expired_items_total',
    type: 'counter',
    help: 'Items dropped because they expired.',
    value: (q) => q.expiredItems,
  },
  {
    name: 'rq_queue_discarded_items_total',
    type: 'counter',
    help: 'Oldest ready items dropped to make room on a full queue (--discard-old).',
    value: (q) => q.discarded,
  },
  {
    name: 'rq_queue_delayed_items',
    type: 'gauge',
    help: 'Items waiting for their due time (set with delay=, or released with one).',
    value: (q) => q.delayed,
  },
  {
    name: 'rq_queue_dead_lettered_items_total',
    type: 'counter',
    help: "Items moved to the queue's dead-letter queue <queue>.dead (--max-deliveries).",
    value: (q) => q.dead,
  },
  {
    name: 'rq_queue_rejected_items_total',
    type: 'counter',
    help: 'Items refused because the queue was full.',
    value: (q) => q.rejected,
  },
];

/** The server as a whole. */
export const SERVER_SERIES: ReadonlyArray<Series<ScrapeFigures> | LabelledSeries<ScrapeFigures>> = [
  {
    name: 'rq_build_info',
    type: 'gauge',
    help: 'Always 1; its label is the version of rq.',
    label: 'version',
    values: (f) => [[f.version, 1]],
  },
  {
    name: 'rq_accepting_changes',
    type: 'gauge',
    help: '1 when the server takes changes, 0 while it refuses them (as /readyz).',
    value: (f) => (f.refusal === null ? 1 : 0),
  },
  { name: 'rq_queues', type: 'gauge', help: 'Queues that exist.', value: (f) => f.queues.length },
  {
    name: 'rq_ready_items',
    type: 'gauge',
    help: 'Items ready to be reserved, in all queues.',
    value: (f) => f.totals.items - f.totals.open,
  },
  {
    name: 'rq_open_items',
    type: 'gauge',
    help: 'Items reserved and not yet acknowledged or released, in all queues.',
    value: (f) => f.totals.open,
  },
  {
    name: 'rq_data_bytes',
    type: 'gauge',
    help: 'Data bytes of the ready and open items of all queues.',
    value: (f) => f.totals.bytes,
  },
  { name: 'rq_enqueued_items_total', type: 'counter', help: 'Items enqueued, in all queues.', value: (f) => f.totals.totalItems },
  { name: 'rq_open_connections', type: 'gauge', help: 'Client connections open now.', value: (f) => f.counters.currConnections },
  {
    name: 'rq_connections_total',
    type: 'counter',
    help: 'Client connections accepted.',
    value: (f) => f.counters.totalConnections,
  },
  {
    name: 'rq_connections_refused_total',
    type: 'counter',
    help: 'Connections turned away by --max-connections.',
    value: (f) => f.counters.rejectedConnections,
  },
  {
    name: 'rq_commands_total',
    type: 'counter',
    help: 'Commands by kind: get counts keys looked up, delete hits and misses.',
    label: 'command',
    values: ({ counters: c }) => [
      ['get', c.cmdGet],
      ['set', c.cmdSet],
      ['delete', c.deleteHits + c.deleteMisses],
      ['flush', c.cmdFlush],
    ],
  },
  { name: 'rq_get_hits_total', type: 'counter', help: 'Get keys answered with an item.', value: (f) => f.counters.getHits },
  {
    name: 'rq_get_misses_total',
    type: 'counter',
    help: 'Get keys answered without an item.',
    value: (f) => f.counters.getMisses,
  },
  {
    name: 'rq_client_read_bytes_total',
    type: 'counter',
    help: 'Bytes received from clients (after TLS).',
    value: (f) => f.counters.bytesRead,
  },
  {
    name: 'rq_client_written_bytes_total',
    type: 'counter',
    help: 'Bytes of replies sent to clients (before TLS).',
    value: (f) => f.counters.bytesWritten,
  },
  { name: 'rq_auth_attempts_total', type: 'counter', help: 'Login attempts (--auth-file).', value: (f) => f.counters.authCmds },
  { name: 'rq_auth_failures_total', type: 'counter', help: 'Failed login attempts.', value: (f) => f.counters.authErrors },
  {
    name: 'rq_refused_changes_total',
    type: 'counter',
    help: 'Changes refused because the journal took none (a disk fault).',
    value: (f) => f.counters.refusedChanges,
  },
];

/** The journal's, with `--data-dir` (none with `--no-journal`). The fsync histogram is in exposition.ts. */
export const JOURNAL_SERIES: ReadonlyArray<Series<JournalFigures>> = [
  {
    name: 'rq_journal_appended_bytes_total',
    type: 'counter',
    help: 'Bytes of records written to the journal.',
    value: (j) => j.appendedBytes,
  },
  {
    name: 'rq_journal_writes_total',
    type: 'counter',
    help: 'Writes to the journal (one per event-loop turn with changes).',
    value: (j) => j.writes,
  },
  { name: 'rq_journal_fsyncs_total', type: 'counter', help: 'Fsyncs of the journal.', value: (j) => j.fsyncs },
  { name: 'rq_journal_disk_bytes', type: 'gauge', help: "Size of the journal's files on disk.", value: (j) => j.diskBytes },
  { name: 'rq_journal_files', type: 'gauge', help: 'Files of the journal (snapshot and segments).', value: (j) => j.files },
  { name: 'rq_journal_compactions_total', type: 'counter', help: 'Compactions finished.', value: (j) => j.compactions },
  {
    name: 'rq_journal_compaction_seconds_total',
    type: 'counter',
    help: 'Time spent in compactions.',
    value: (j) => j.compactionSeconds,
  },
  {
    name: 'rq_journal_faults_total',
    type: 'counter',
    help: 'Times a write or fsync failed and the journal began refusing changes.',
    value: (j) => j.faults,
  },
];

/** How the metrics endpoint reports its own per-queue cut (--metrics-max-queues). */
export const OMITTED_QUEUES = {
  name: 'rq_metrics_omitted_queues',
  help: 'Queues left out of the per-queue series by --metrics-max-queues (the deepest are kept).',
} as const;
