/**
 * The state a journal describes, rebuilt record by record: live items per queue, which of them are
 * open (reserved), and their order. Replay (startup), compaction and `rq replay-journal` all fold
 * records into this one class, so they cannot disagree about what a journal means.
 *
 * Order is what the engine would have: new items at the tail, released items at the head (the last
 * released first), and, since a restart ends every connection, items still open go back to the head
 * in id order, which is their original queue order (as engine.closeHolder puts them back).
 *
 * Lost records (docs/journal-format.md: Damage): version 2 records are numbered, so a gap in the
 * serials says how many were lost, wherever (a damaged record, a missing segment). Each record also
 * counts the ending records (ack, expiry, flush, drop) before it and names the item the newest one
 * ended: when that item is still here after a gap, its ending was among the lost records and is
 * applied now, so a lost ack does not bring its item back. What cannot be found again is listed in
 * `losses`, with the items that may come back because of it.
 *
 * The items themselves live in per-queue columns (queue-replay.ts).
 */
import { deadQueueName } from '../queue-name.js';
import type { DecodedRecord } from './decoder.js';
import type { ChainPosition } from './encoder.js';
import { endingsIn, isEnding, RecordType } from './format.js';
import { DataSlabs, QueueReplay } from './queue-replay.js';

/** Counts of records that referred to items replay did not know (normal after a flush or drop). */
export interface ReplayAnomalies {
  unknownItems: number;
  /**
   * reserved_run records whose first item was not at the head of its queue (a record before them was
   * lost): their items were found by id instead. The first such record, for the report.
   */
  runsOffHead: number;
  firstRunOffHead: { readonly queue: string; readonly id: number; readonly where: string } | null;
}

/** Records lost (damage, a missing file), and what that may cost. */
export interface Loss {
  /** Where the reader noticed: a file and offset, or between two files. */
  readonly where: string;
  /** How many records, from the serials around the gap; null when unknown (version 1, or nothing after it). */
  readonly records: number | null;
  /** The serial of the first lost record, when known. */
  readonly firstSerial: number | null;
  /** Ending records (ack, expiry, flush, drop) among them, from the record after the gap; null when unknown. */
  readonly endings: number | null;
  /** The item whose ending was found again from the record after the gap (it stays gone), or null. */
  readonly recovered: number | null;
  /** How many items, up to `recovered`, were found again: more than one when the lost record was an acked_run. */
  readonly recoveredItems: number;
  /** A flush or a queue removal was among the lost records: the items it removed are back. */
  readonly lostFlush: boolean;
  /**
   * Items that were open when the records were lost, still here at the end: an ack among the lost
   * records may have been theirs (they are restored, and may have been acknowledged already).
   */
  suspects: number[];
}

export class ReplayState {
  readonly queues = new Map<string, QueueReplay>();
  /** Fanout queues that exist (docs/protocol.md: fanout queues). */
  readonly fanouts = new Set<string>();
  /** The id the next enqueued item gets: past every id seen and every next_id record. */
  nextId = 1;
  records = 0;
  readonly anomalies: ReplayAnomalies = { unknownItems: 0, runsOffHead: 0, firstRunOffHead: null };
  /** A flush_all to come at this time (0: none). */
  flushAllAt = 0;
  readonly losses: Loss[] = [];
  private last: QueueReplay | null = null;

  // The chain of version 2 records: the serial expected next (-1: unknown, do not check), and the
  // endings through the previous record (-1: unknown).
  private expected = -1;
  private endingsSoFar = -1;
  private lastEndedId = 0;
  /** A damaged range was skipped (reader.ts): the next record says what it cost. */
  private damagedAt: string | null = null;
  /** Records the damaged range held, when the reader knows (a damaged record whose length was sound: 1). */
  private damagedRecords: number | null = null;
  /** Items suspected of a lost ack, until a later record shows they were not acked. */
  private readonly suspects = new Set<number>();
  /** The file being read, for messages about records missing before it. */
  private location = '';
  /** It is a snapshot: its records are items (enqueued, reserved), never ending records. */
  private inSnapshot = false;
  /** Set by a v2 snapshot_end: where the segment after the snapshot goes on. */
  private snapshotNext: ChainPosition | null = null;

  /** Item data, copied out of the buffers records are read in (so a reader may drop or reuse them). */
  private readonly slabs = new DataSlabs();

  apply(r: DecodedRecord): void {
    this.records++;
    if (r.serial >= 0) this.follow(r);
    else if (this.damagedAt !== null) this.lost(this.damagedAt, this.damagedRecords, null, null);
    switch (r.type) {
      case RecordType.Enqueued: {
        this.queue(r.queue).add(r.id, r.flags, r.expiresAt, r.enqueuedAt, r.source, r.dataStart, r.dataEnd);
        if (r.id >= this.nextId) this.nextId = r.id + 1;
        return;
      }
      case RecordType.Reserved:
        if (this.suspects.size > 0) this.suspects.delete(r.id);
        return this.count(this.existing(r.queue)?.reserve(r.id));
      case RecordType.ReservedRun:
        return this.reserveRun(r);
      case RecordType.AckedRun: {
        const q = this.existing(r.queue);
        this.anomalies.unknownItems += r.count - (q === undefined ? 0 : this.removeIds([q], r.id, r.count));
        return;
      }
      case RecordType.Acked:
      case RecordType.Expired:
        if (this.suspects.size > 0) this.suspects.delete(r.id);
        return this.count(this.existing(r.queue)?.remove(r.id));
      case RecordType.Released:
        if (this.suspects.size > 0) this.suspects.delete(r.id);
        return this.count(this.existing(r.queue)?.release(r.id));
      case RecordType.Flushed:
        this.existing(r.queue)?.flush();
        return;
      case RecordType.Dropped:
        this.queues.delete(r.queue);
        this.fanouts.delete(r.queue);
        this.last = null;
        return;
      case RecordType.Delayed:
        if (this.suspects.size > 0) this.suspects.delete(r.id);
        return this.count(this.existing(r.queue)?.delay(r.id, r.dueAt));
      case RecordType.Due:
        return this.count(this.existing(r.queue)?.joinTail(r.id));
      case RecordType.Deliveries:
        return this.count(this.existing(r.queue)?.setDeliveries(r.id, r.count));
      case RecordType.Fanout:
        this.fanouts.add(r.queue);
        return;
      case RecordType.Dead:
        if (this.suspects.size > 0) this.suspects.delete(r.id);
        return this.moveToDead(r.queue, r.id);
      case RecordType.NextId:
        this.raiseNextId(r.id);
        return;
      case RecordType.FlushAll:
        this.flushAllAt = r.id;
        return;
      case RecordType.SnapshotEnd:
        if (r.serial >= 0) this.snapshotNext = { serial: r.nextSerial, endings: r.nextEndings, lastEndedId: r.nextLastEndedId };
        return;
    }
  }

  /** Ids below `next` may have been issued (a next_id record, a file header, the manifest). */
  raiseNextId(next: number): void {
    if (next > this.nextId) this.nextId = next;
  }

  /**
   * The next version 2 record should have serial `serial` (null: not known, do not check), with
   * `endings` ending records before it (null: not known). The reader calls it where a chain starts:
   * a snapshot's own records, the segment after a snapshot, a journal's first segment.
   */
  startChain(serial: number | null, endings: number | null): void {
    this.expected = serial ?? -1;
    this.endingsSoFar = endings ?? -1;
    this.lastEndedId = 0;
  }

  /**
   * The reader skipped a damaged range at `where`, of `records` records when it knows; the next
   * record (or finish()) says what it cost.
   */
  damaged(where: string, records: number | null): void {
    if (this.damagedAt === null) {
      this.damagedAt = where;
      this.damagedRecords = records;
    } else {
      this.damagedRecords = null;
    }
  }

  /** The reader starts on file `location` (a gap found at its first record is reported there). */
  reading(location: string, kind: 'segment' | 'snapshot'): void {
    this.location = location;
    this.inSnapshot = kind === 'snapshot';
  }

  /**
   * The segment being read says its first record has serial `serial` or a later one (its header):
   * records before that which the chain has not seen are missing, even if the segment holds none.
   */
  segmentAtLeast(serial: number): void {
    if (this.expected < 0 || serial <= 0) return;
    const missing = (serial - this.expected) >>> 0;
    if (missing === 0 || missing >= 0x8000_0000) return;
    const where = `${this.location}: records before serial ${serial} are missing (a segment, or the snapshot, before it is gone)`;
    this.lost(where, null, this.expected, null);
    this.expected = serial;
    this.endingsSoFar = -1;
  }

  /**
   * The snapshot just read is complete: the segments after it go on from the serial it names (its
   * header's `headerNext`, else its snapshot_end's). After a version 1 snapshot, version 2 records
   * start at serial 1.
   */
  snapshotRead(version: number, headerNext: number | null): void {
    if (version === 1) return this.startChain(1, 0);
    const end = this.snapshotNext;
    if (end !== null) {
      this.startChain(end.serial, end.endings);
      this.lastEndedId = end.lastEndedId;
    } else {
      this.startChain(headerNext !== null && headerNext > 0 ? headerNext : null, null);
    }
  }

  /** Where the journal goes on writing: after the last record read. */
  chainPosition(): ChainPosition {
    return {
      serial: this.expected >= 0 ? this.expected : 1,
      endings: Math.max(0, this.endingsSoFar),
      lastEndedId: this.lastEndedId,
    };
  }

  /** After the last record: damage with nothing after it cost records nobody can count. */
  finish(): void {
    if (this.damagedAt !== null) this.lost(this.damagedAt, this.damagedRecords, null, null);
    for (const loss of this.losses) loss.suspects = loss.suspects.filter((id) => this.suspects.has(id) && this.has(id));
  }

  /** Live items and bytes over all queues. */
  totals(): { items: number; bytes: number } {
    let items = 0,
      bytes = 0;
    for (const q of this.queues.values()) {
      items += q.count;
      bytes += q.bytes;
    }
    return { items, bytes };
  }

  /** Checks a version 2 record against the chain before it; a gap is a loss. */
  private follow(r: DecodedRecord): void {
    if (this.expected >= 0 && r.serial !== this.expected) {
      const missing = (r.serial - this.expected) >>> 0;
      const where =
        this.damagedAt ??
        `${this.location}: records before serial ${r.serial} are missing (a segment, or the end of the one before, is gone)`;
      if (missing >= 0x8000_0000) {
        this.lost(`${where} (serials go back from ${this.expected - 1} to ${r.serial})`, null, null, null);
      } else {
        const endings = this.endingsSoFar >= 0 ? (r.endings - this.endingsSoFar) >>> 0 : null;
        this.lost(where, missing, this.expected, endings, r);
      }
    } else if (this.damagedAt !== null) {
      this.damagedAt = null; // a damaged range that held no record (a damaged header)
    }
    if (this.expected < 0 && this.endingsSoFar < 0) this.recover(r); // a chain of unknown start
    this.expected = (r.serial + 1) >>> 0;
    const ending = isEnding(r.type);
    this.endingsSoFar = (r.endings + endingsIn(r.type, r.count)) >>> 0;
    this.lastEndedId = !ending
      ? r.lastEndedId
      : r.type === RecordType.Flushed || r.type === RecordType.Dropped
        ? 0
        : r.type === RecordType.AckedRun
          ? r.id + r.count - 1
          : r.id;
  }

  /**
   * Records a loss before `after` (the first record read past it, if any): the newest lost ending is
   * found again from it; anything more makes the items open now suspects.
   */
  private lost(
    where: string,
    records: number | null,
    firstSerial: number | null,
    endings: number | null,
    after?: DecodedRecord,
  ): void {
    this.damagedAt = null;
    if (this.inSnapshot) endings = 0;
    let recovered: number | null = null;
    let recoveredItems = 0;
    let lostFlush = false;
    // One lost record that ended several items is an acked_run (no other record ends more than one
    // item by id): its items are the `endings` ids up to the one the record after it names.
    const runItems =
      records === 1 && endings !== null && endings > 1 && after !== undefined && after.lastEndedId >= endings ? endings : 0;
    if (runItems > 0) {
      recoveredItems = this.removeIds([...this.queues.values()], after!.lastEndedId - runItems + 1, runItems);
      if (recoveredItems > 0) recovered = after!.lastEndedId;
    } else if (after !== undefined && endings !== null && endings > 0) {
      if (after.lastEndedId === 0) lostFlush = true;
      else if (this.removeAnywhere(after.lastEndedId)) recovered = after.lastEndedId;
    } else if (after !== undefined && endings === null) {
      recovered = this.recover(after);
    }
    if (recovered !== null && recoveredItems === 0) recoveredItems = 1;
    const unknown = endings === null || (endings > 1 && runItems === 0) || lostFlush;
    const suspects: number[] = [];
    if (unknown) {
      for (const q of this.queues.values()) for (const id of q.openIds()) suspects.push(id);
      for (const id of suspects) this.suspects.add(id);
    }
    this.losses.push({ where, records, firstSerial, endings, recovered, recoveredItems, lostFlush, suspects });
  }

  /** If the item the newest ending before `r` ended is still here, its ending was lost: applies it. */
  private recover(r: DecodedRecord): number | null {
    return r.lastEndedId > 0 && this.removeAnywhere(r.lastEndedId) ? r.lastEndedId : null;
  }

  /**
   * Removes the items of `queues` with ids `first` … `first`+`count`−1 (an acked_run's); returns how
   * many there were. The work is bounded by the items there, not by `count`, which damage can make
   * huge (u32, or a chain's count of endings).
   */
  private removeIds(queues: readonly QueueReplay[], first: number, count: number): number {
    let live = 0;
    for (const q of queues) live += q.count;
    let removed = 0;
    if (count <= 4 * live + 64) {
      for (let id = first; id < first + count; id++) if (this.removeFrom(queues, id)) removed++;
      return removed;
    }
    const inRange: number[] = [];
    for (const q of queues)
      q.forEach((item) => {
        if (item.id >= first && item.id < first + count) inRange.push(item.id);
      });
    for (const id of inRange.sort((x, y) => x - y)) if (this.removeFrom(queues, id)) removed++;
    return removed;
  }

  /** Removes item `id` from the first of `queues` that has it; it is no longer a suspect. */
  private removeFrom(queues: readonly QueueReplay[], id: number): boolean {
    if (this.suspects.size > 0) this.suspects.delete(id);
    for (const q of queues) if (q.remove(id)) return true;
    return false;
  }

  private removeAnywhere(id: number): boolean {
    for (const q of this.queues.values()) if (q.remove(id)) return true;
    return false;
  }

  private has(id: number): boolean {
    for (const q of this.queues.values()) if (q.has(id)) return true;
    return false;
  }

  private existing(name: string): QueueReplay | undefined {
    const last = this.last;
    if (last !== null && last.name === name) return last;
    const q = this.queues.get(name);
    if (q !== undefined) this.last = q;
    return q;
  }

  private queue(name: string): QueueReplay {
    let q = this.existing(name);
    if (q === undefined) {
      q = new QueueReplay(name, this.slabs);
      this.queues.set(name, q);
      this.last = q;
    }
    return q;
  }

  /** Item `id` of `name` moves to the tail of `<name>.dead`, with its delivery count (engine: moveToDead). */
  private moveToDead(name: string, id: number): void {
    const item = this.existing(name)?.take(id) ?? null;
    const dead = deadQueueName(name);
    if (item === null || dead === null) return this.count(false);
    this.queue(dead).add(item.id, item.flags, item.expiresAt, item.enqueuedAt, item.data, 0, item.data.length, item.deliveries);
  }

  /** reserved_run: the next `count` items at the head of the queue, the first being `id`. */
  private reserveRun(r: DecodedRecord): void {
    const q = this.existing(r.queue);
    if (q === undefined) {
      this.anomalies.unknownItems += r.count;
      return;
    }
    const { atHead, missing } = q.reserveRun(r.id, r.count, this.suspects.size > 0 ? this.notSuspect : null);
    this.anomalies.unknownItems += missing;
    if (!atHead) {
      if (this.anomalies.runsOffHead++ === 0)
        this.anomalies.firstRunOffHead = { queue: r.queue, id: r.id, where: `${this.location} offset ${r.offset}` };
    }
  }

  private readonly notSuspect = (id: number) => {
    this.suspects.delete(id);
  };

  private count(known: boolean | undefined): void {
    if (known !== true) this.anomalies.unknownItems++;
  }
}
