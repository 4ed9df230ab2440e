/**
 * How many bytes a snapshot of the live state would take, estimated from what the engine counts
 * (no item is copied or visited): what the compaction trigger weighs the journal's files against
 * (compaction-scheduler.ts; docs/journal-format.md, Compaction).
 */
import { ENQUEUED_FIXED_BYTES, PREFIX_BYTES } from './format.js';
import type { RestoreTarget } from './restore.js';

/** A record's bytes before its fixed fields: the prefix, the name's length byte (then the name). */
const NAMED_RECORD_BYTES = PREFIX_BYTES + 1;
/** An open item's `reserved` record after the name: its id. */
const RESERVED_FIXED_BYTES = 8;
/** A delayed item's `delayed` record after the name: its id and due time. */
const DELAYED_FIXED_BYTES = 16;

/**
 * The bytes of the records a snapshot writes for the items the engine holds: an `enqueued` record
 * per item, a `reserved` one more per open item and a `delayed` one per delayed item, each naming
 * its queue. Left out: the file header and the few records per snapshot or queue (`next_id`,
 * `snapshot_end`, `fanout`…), and the `deliveries` record of an item delivered before (39 bytes
 * and the queue's name at most, less than the item's own `enqueued` record). So the estimate is
 * at most half the snapshot's size below it, and above it only by items that expired and are
 * still held (a snapshot leaves them out).
 */
export function liveSnapshotBytes(target: RestoreTarget): number {
  let bytes = 0;
  target.forEachHeld((name, items, data, open, delayed) => {
    const named = NAMED_RECORD_BYTES + name.length; // names are latin1: a byte per character
    bytes +=
      items * (named + ENQUEUED_FIXED_BYTES) +
      data +
      open * (named + RESERVED_FIXED_BYTES) +
      delayed * (named + DELAYED_FIXED_BYTES);
  });
  return bytes;
}
