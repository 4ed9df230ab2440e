/**
 * The journal: rq's durability layer. It sits between the queue engine and the disk: the engine
 * reports every change to it (it is the engine's ChangeLog), the server holds replies until it says
 * they are durable (it is the server's Durability), and at startup it rebuilds the engine's state.
 *
 * Hot path: each change is encoded into one growing buffer (encoder.ts); once per event-loop turn the
 * buffer is written with one positional write; with `--fsync always` an fsync then runs on the thread
 * pool, and every reply waiting for bytes written before it started is released when it ends (group
 * commit: appends made while an fsync is in flight ride on the next one). The log is split into
 * segments; closed segments are folded into a snapshot in the background (compactor.ts).
 *
 * Faults: a failed write or fsync fails every waiting reply (SERVER_ERROR), and the journal refuses
 * changes (`refusal()`) until a retry rewrites every unconfirmed byte and syncs it. See
 * docs/journal-format.md: "Disk faults".
 */
import type { ChangeLog, Item } from '../queue/types.js';
import { Compaction, type CapturedState, type CompactionResult } from './compactor.js';
import { encodeHeader, RecordEncoder } from './encoder.js';
import { FileKind, HEADER_BYTES, RecordType } from './format.js';
import { segmentName } from './names.js';
import { describeFsyncPolicy, type FsyncPolicy } from './policy.js';
import { readJournal } from './reader.js';
import { cutDamage } from './repair.js';
import type { JournalStore, StoreFile } from './store.js';

export interface JournalOptions {
  readonly fsync: FsyncPolicy;
  /** A segment is closed and a new one started past this size. */
  readonly segmentBytes?: number;
  /** Closed segments are compacted once they hold this much (and at least as much as the snapshot). */
  readonly compactMinBytes?: number;
  /** Bytes compaction reads or writes at a time (decoded or encoded in one event-loop turn). */
  readonly compactSliceBytes?: number;
  /** How long to wait between attempts to recover from a disk fault. */
  readonly retryMs?: number;
  /** Live items up to which a snapshot is taken from memory at a segment switch (tests set 0 to force reading). */
  readonly captureMaxItems?: number;
  /** Warnings (damage found at startup, disk faults, recovery). */
  readonly warn?: (line: string) => void;
  /** Told how long each fsync that replies wait for took, in seconds (the metrics' latency histogram). */
  readonly onFsync?: (seconds: number) => void;
}

/**
 * What the journal restores into and snapshots from: the queue engine (structurally; the journal knows
 * only the queue's types).
 */
export interface RestoreTarget {
  restore(name: string, item: Item): void;
  advanceNextId(next: number): void;
  readonly nextId: number;
  totals(): { readonly items: number; readonly bytes: number };
  queueNames(): string[];
  readyItems(name: string): Iterable<Item>;
  openItems(name: string): Item[];
}

/**
 * Live state small enough to snapshot straight from the engine when switching segments: copying it
 * holds the event loop a few milliseconds at most (2,560 items of 4 KiB: ~3 ms).
 */
const CAPTURE_MAX_ITEMS = 20_000;
const CAPTURE_MAX_BYTES = 16 * 1024 * 1024;

export interface RestoreReport {
  readonly items: number;
  readonly bytes: number;
  readonly queues: number;
  readonly expired: number;
  readonly records: number;
  readonly warnings: string[];
  readonly ms: number;
}

/** 8 MiB: small enough that compaction has work often, large enough that rotations are rare. */
const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
/**
 * 24 MiB of closed segments before compacting. The directory then peaks at about: snapshot + 24 MiB +
 * the current and next segments (16 MiB) + the new snapshot + what closes during the compaction:
 * under 64 MiB + twice the live bytes.
 */
const DEFAULT_COMPACT_MIN_BYTES = 24 * 1024 * 1024;
/**
 * 256 KiB: decoding or encoding that much takes 1–3 ms, the longest compaction holds the event loop
 * (reads, writes, fsyncs and unlinks run on the thread pool) while the server writes little. Pieces
 * grow with the server's write rate (compactor.ts), and a compaction that starts behind (closed
 * segments past twice the threshold) starts at four times as much.
 */
const DEFAULT_SLICE_BYTES = 256 * 1024;
const DEFAULT_RETRY_MS = 1000;
/**
 * Spare write buffers kept, in bytes: with `--fsync 50` a busy server writes ~50 buffers between two
 * fsyncs, and each one allocated anew (off-heap) costs a share of a full garbage collection.
 */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;

/** A reply held until the journal is durable up to `position`. */
interface DurableWaiter {
  readonly position: number;
  readonly done: (error: Error | null) => void;
}

/** Bytes written but not yet known durable: kept to rewrite them after a fault. */
interface Chunk {
  readonly file: StoreFile;
  readonly data: Buffer;
  /** File offset in the current segment. */
  readonly at: number;
  /** Logical position just after it. */
  readonly end: number;
}

export class Journal implements ChangeLog {
  private readonly enc = new RecordEncoder();
  private readonly policy: FsyncPolicy;
  private readonly segmentBytes: number;
  private readonly compactMinBytes: number;
  private readonly sliceBytes: number;
  private readonly retryMs: number;
  private readonly captureMaxItems: number;
  private readonly warn: (line: string) => void;
  private readonly onFsync: ((seconds: number) => void) | null;
  private target: RestoreTarget | null = null;

  // Logical positions: bytes of records since this process opened the journal.
  private written = 0;
  private synced = 0;
  private unsynced: Chunk[] = [];
  /**
   * Buffers of chunks made durable, for the encoder to reuse: a busy server fills a buffer per turn,
   * and allocating each anew (off-heap) makes V8 run full garbage collections.
   */
  private readonly spares: Buffer[] = [];
  private spareBytes = 0;

  private takeSpare(): Buffer | null {
    const spare = this.spares.pop();
    if (spare === undefined) return null;
    this.spareBytes -= spare.length;
    return spare;
  }
  private waiters: DurableWaiter[] = [];

  private file: StoreFile | null = null;
  private seq = 0;
  private fileSize = 0;
  /** The next segment, created and made durable ahead of time so that rotating blocks on nothing. */
  private next: { file: StoreFile; seq: number; size: number } | null = null;
  private preparing = false;
  /** After a failed preparation, not before this time (a full disk must not turn every write into a warning). */
  private prepareAgainAt = 0;
  /** The previous segment after a rotation, until its last fsync: then it is closed. */
  private retired: { file: StoreFile; seq: number; size: number; end: number } | null = null;
  private idleWaiters: Array<() => void> = [];
  private flushScheduled = false;
  private syncing = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private lastSyncAt = 0;
  private failure: NodeJS.ErrnoException | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** close() has begun: no new compaction starts. */
  private closing = false;
  private recoveredWaiters: Array<() => void> = [];

  // Compaction bookkeeping.
  private snapshot: { seq: number; bytes: number } | null = null;
  private closedSegments: Array<{ seq: number; name: string; bytes: number }> = [];
  private compaction: Compaction | null = null;
  private compactionBlocked: string | null = null;
  /** `written` when compaction last asked how much was written (it paces itself on the answer). */
  private writtenSeen = 0;

  /** Figures for `stats`. */
  readonly figures = {
    fsyncs: 0,
    writes: 0,
    bytesWritten: 0,
    faults: 0,
    compactions: 0,
    /** Time spent in compactions, all together. */
    compactionMs: 0,
    lastCompactionAt: 0,
    lastCompactionMs: 0,
    compactionMaxPauseMs: 0,
  };

  private readonly flushNow = () => this.flush();

  constructor(private readonly store: JournalStore, options: JournalOptions) {
    this.policy = options.fsync;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.compactMinBytes = options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES;
    this.sliceBytes = options.compactSliceBytes ?? DEFAULT_SLICE_BYTES;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.captureMaxItems = options.captureMaxItems ?? CAPTURE_MAX_ITEMS;
    this.warn = options.warn ?? ((line) => process.stderr.write(`rq: ${line}\n`));
    this.onFsync = options.onFsync ?? null;
  }

  // ---- startup ----

  /**
   * Replays the journal into `target` (the engine, whose ChangeLog this journal is), cuts damaged
   * tails, removes obsolete files and starts a new segment. Items that were open come back at the head,
   * expired items are dropped, ids keep growing.
   */
  restore(target: RestoreTarget, now: number): RestoreReport {
    const started = performance.now();
    this.target = target;
    const read = readJournal(this.store);
    for (const w of read.warnings) this.warn(w);
    for (const line of cutDamage(this.store, read)) if (!line.endsWith('(not needed)')) this.warn(line);

    let items = 0, bytes = 0, expired = 0, queues = 0;
    for (const [name, q] of read.state.queues) {
      let restored = 0;
      q.forEach((item) => {
        if (item.expiresAt !== 0 && item.expiresAt <= now) {
          expired++;
          return;
        }
        target.restore(name, item);
        restored++;
        bytes += item.data.length;
      });
      items += restored;
      if (restored > 0) queues++;
    }
    target.advanceNextId(read.state.nextId);

    const snap = read.files.find((f) => f.kind === 'snapshot');
    this.snapshot = snap ? { seq: snap.seq, bytes: snap.size } : null;
    this.closedSegments = read.files
      .filter((f) => f.kind === 'segment' && (f.damage === null || f.validEnd >= HEADER_BYTES))
      .map((f) => ({ seq: f.seq, name: f.name, bytes: f.size }));
    // A new segment, never one the snapshot covers (its number must not be below the snapshot's).
    this.startSegment(Math.max(read.lastSegment + 1, snap?.seq ?? 1));
    this.store.syncDirectory();
    // Segments that hold nothing but their next_id record (a restart without changes) are covered by
    // the new segment's next_id: remove them rather than let them pile up.
    const empty = this.closedSegments.filter((s) => read.files.some((f) => f.name === s.name && f.records <= 1 && f.damage === null));
    if (empty.length > 0) {
      for (const s of empty) this.store.remove(s.name);
      this.store.syncDirectory();
      this.closedSegments = this.closedSegments.filter((s) => !empty.includes(s));
    }
    // Right after the restore nothing is in the new segment: a small state is the snapshot before it.
    const captured = this.closedSegments.length > 0 || this.snapshot !== null ? this.capture() : null;
    if (captured !== null) this.startCompaction(captured);
    else this.maybeCompact();
    return { items, bytes, queues, expired, records: read.state.records, warnings: read.warnings, ms: performance.now() - started };
  }

  // ---- ChangeLog: called by the engine for every change, before the call returns ----

  enqueued(queue: string, id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void {
    this.enc.enqueued(queue, id, flags, expiresAt, enqueuedAt, data);
    this.schedule();
  }
  reserved(queue: string, id: number): void {
    this.enc.item(RecordType.Reserved, queue, id);
    this.schedule();
  }
  acked(queue: string, id: number): void {
    this.enc.item(RecordType.Acked, queue, id);
    this.schedule();
  }
  released(queue: string, id: number): void {
    this.enc.item(RecordType.Released, queue, id);
    this.schedule();
  }
  expired(queue: string, id: number): void {
    this.enc.item(RecordType.Expired, queue, id);
    this.schedule();
  }
  flushed(queue: string): void {
    this.enc.queue(RecordType.Flushed, queue);
    this.schedule();
  }
  dropped(queue: string): void {
    this.enc.queue(RecordType.Dropped, queue);
    this.schedule();
  }

  // ---- Durability: what the server's outboxes wait for ----

  /** Position just after the last change appended. */
  get appended(): number {
    return this.written + this.enc.length;
  }

  /**
   * Every change before this position is as safe as the policy promises: fsynced (`always`) or written
   * (`<ms>`, `never`). While the disk is failing, replies are not held at all: every change is refused
   * (refusal()), and the replies that waited when the fault struck were failed, so what is left to send
   * are reads and refusals.
   */
  get durable(): number {
    if (this.failure !== null) return this.appended;
    return this.policy.kind === 'always' ? this.synced : this.written;
  }

  whenDurable(position: number, done: (error: Error | null) => void): void {
    if (position <= this.durable) done(null);
    else this.waiters.push({ position, done });
  }

  /** Why changes are refused right now (a disk fault), or null. */
  refusal(): string | null {
    return this.failure === null ? null : `journal unavailable (${this.failure.code ?? this.failure.message}); changes are refused until the disk recovers`;
  }

  /** Resolves once the journal takes changes again (at once if it does). */
  recovered(): Promise<void> {
    if (this.failure === null) return Promise.resolve();
    return new Promise((resolve) => this.recoveredWaiters.push(resolve));
  }

  /** `stats` pairs (docs/protocol.md: stats). */
  stats(): Array<[string, string | number]> {
    const f = this.figures;
    return [
      ['journal_fsync', describeFsyncPolicy(this.policy)],
      ['journal_bytes', this.diskUsage().bytes],
      ['journal_segment', this.seq],
      ['journal_fsyncs', f.fsyncs],
      ['journal_writes', f.writes],
      ['journal_bytes_written', f.bytesWritten],
      ['journal_state', this.failure === null ? 'ok' : `failed:${this.failure.code ?? 'error'}`],
      ['journal_faults', f.faults],
      ['journal_compactions', f.compactions],
      ['journal_last_compaction', Math.floor(f.lastCompactionAt / 1000)],
      ['journal_last_compaction_ms', Math.round(f.lastCompactionMs)],
      ['journal_compaction_max_pause_ms', Math.round(f.compactionMaxPauseMs * 10) / 10],
    ];
  }

  /** The journal's files in the data directory now (snapshot, segments, the one prepared next) and their bytes. */
  diskUsage(): { readonly files: number; readonly bytes: number } {
    const files = [this.snapshot?.bytes, this.retired?.size, this.next?.size, ...this.closedSegments.map((seg) => seg.bytes)];
    let count = this.file === null ? 0 : 1;
    let bytes = this.fileSize;
    for (const size of files) {
      if (size === undefined) continue;
      count++;
      bytes += size;
    }
    return { files: count, bytes };
  }

  /** Writes what is pending, syncs it and closes the segment. Returns false if some changes could not be written. */
  async close(): Promise<boolean> {
    if (this.closed) return true;
    this.closing = true;
    this.flush();
    if (this.failure !== null) this.retry();
    this.compaction?.cancel();
    await this.compaction?.finished;
    while (this.syncing || this.preparing) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.closed = true;
    if (this.syncTimer !== null) clearTimeout(this.syncTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    let ok = this.failure === null;
    if (ok) {
      try {
        if (this.retired !== null) this.retire(this.retired);
        this.file?.syncNow();
        this.markSynced(this.written);
      } catch (err) {
        ok = false;
        this.warn(`journal: final fsync failed: ${(err as Error).message}`);
      }
    }
    if (!ok) this.warn(`journal: ${this.appended - this.synced} bytes of changes could not be made durable`);
    for (const f of [this.file, this.next?.file, this.retired?.file]) {
      try {
        f?.close();
      } catch {
        // closing is best effort
      }
    }
    // The prepared segment was never used: a restart would remove it anyway.
    if (this.next !== null) this.store.remove(segmentName(this.next.seq));
    return ok;
  }

  // ---- writing ----

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushNow);
  }

  /** Writes every record encoded since the last turn, in one write. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.enc.length === 0 || this.failure !== null || this.file === null || this.closed) return;
    const keep = this.policy.kind !== 'never';
    const data = keep ? this.enc.detach(this.takeSpare()) : this.enc.takeView();
    const at = this.fileSize;
    this.fileSize += data.length;
    this.written += data.length;
    this.figures.writes++;
    this.figures.bytesWritten += data.length;
    const file = this.file;
    try {
      file.write(data, 0, data.length, at);
    } catch (err) {
      this.unsynced.push({ file, data: keep ? data : Buffer.from(data), at, end: this.written });
      this.fail(err as NodeJS.ErrnoException);
      return;
    }
    if (keep) this.unsynced.push({ file, data, at, end: this.written });
    if (this.fileSize >= this.segmentBytes / 2) this.prepareNext();
    if (this.fileSize >= this.segmentBytes) this.rotate();
    if (this.policy.kind === 'always') {
      this.startSync();
    } else {
      this.notify();
      if (this.policy.kind === 'interval') this.scheduleIntervalSync();
    }
  }

  /**
   * Starts an fsync for everything written, unless one is running (the next one will): the retired
   * segment's last one first, then the current segment's. `always` calls it after every write, `<ms>`
   * from its timer; a rotation calls it in every mode.
   */
  private startSync(): void {
    if (this.syncing || this.failure !== null || this.closed) return;
    const retired = this.retired;
    if (retired === null && (this.synced >= this.written || this.file === null)) return;
    const file = retired !== null ? retired.file : this.file!;
    const target = retired !== null ? retired.end : this.written;
    this.syncing = true;
    this.figures.fsyncs++;
    this.lastSyncAt = Date.now();
    const started = this.onFsync === null ? 0 : performance.now();
    file.sync((err) => {
      this.syncing = false;
      if (err === null) this.onFsync?.((performance.now() - started) / 1000);
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      if (err !== null) return this.fail(err);
      if (this.failure !== null || this.closed) return;
      if (retired !== null) this.retire(retired);
      this.markSynced(target);
      this.afterSync();
    });
  }

  /** What follows a completed fsync. */
  private afterSync(): void {
    if (this.retired !== null) return this.startSync();
    if (this.fileSize >= this.segmentBytes) this.rotate();
    if (this.policy.kind === 'always') {
      // Changes made since the last write (earlier in this event-loop turn) ride on the next fsync
      // now rather than one fsync later.
      if (this.enc.length > 0) this.flush();
      else this.startSync();
    } else if (this.written > this.synced) this.scheduleIntervalSync();
  }

  /** `<ms>`: one fsync at most every ms milliseconds, while something is unsynced. */
  private scheduleIntervalSync(): void {
    if (this.syncTimer !== null || this.syncing || this.policy.kind !== 'interval') return;
    const wait = this.retired !== null ? 0 : Math.max(0, this.lastSyncAt + this.policy.ms - Date.now());
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.startSync();
    }, wait);
    this.syncTimer.unref();
  }

  private markSynced(target: number): void {
    if (target > this.synced) this.synced = target;
    let drop = 0;
    while (drop < this.unsynced.length && this.unsynced[drop].end <= this.synced) {
      const d = this.unsynced[drop++].data;
      if (this.spareBytes + d.buffer.byteLength <= MAX_SPARE_BYTES && d.byteOffset === 0) {
        this.spares.push(Buffer.from(d.buffer, 0, d.buffer.byteLength));
        this.spareBytes += d.buffer.byteLength;
      }
    }
    if (drop > 0) this.unsynced.splice(0, drop);
    this.notify();
  }

  /** Calls every waiter whose position is now durable. */
  private notify(): void {
    if (this.waiters.length === 0) return;
    const durable = this.durable;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.position <= durable) w.done(null);
      else this.waiters.push(w);
    }
  }

  // ---- segments ----

  /** The first bytes of segment `seq`: its header and a next_id record. */
  private segmentHead(seq: number): Buffer {
    const head = new RecordEncoder(64);
    head.nextId(this.target?.nextId ?? 1);
    return Buffer.concat([encodeHeader(FileKind.Segment, seq), head.takeView()]);
  }

  /** Creates segment `seq` and makes it durable, blocking (startup only). */
  private startSegment(seq: number): void {
    const file = this.store.create(segmentName(seq));
    const first = this.segmentHead(seq);
    file.write(first, 0, first.length, 0);
    file.syncNow();
    this.file = file;
    this.seq = seq;
    this.fileSize = first.length;
  }

  /**
   * Creates the next segment ahead of time, off the main thread where it can be: its fsync and the
   * directory's. (Its next_id is the engine's next id now: a lower bound, which is all replay needs.)
   */
  private prepareNext(): void {
    if (this.next !== null || this.preparing || this.failure !== null || this.closed) return;
    if (Date.now() < this.prepareAgainAt) return;
    this.preparing = true;
    const seq = this.seq + 1;
    const name = segmentName(seq);
    const failed = (err: Error, file: StoreFile | null) => {
      this.preparing = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      try {
        file?.close();
        this.store.remove(name);
      } catch {
        // a leftover empty segment is removed at startup
      }
      this.prepareAgainAt = Date.now() + this.retryMs;
      this.warn(`journal: cannot prepare segment ${seq}: ${err.message}; writing on in segment ${this.seq}, retrying in ${this.retryMs} ms`);
    };
    let file: StoreFile;
    try {
      file = this.store.create(name);
      const first = this.segmentHead(seq);
      file.write(first, 0, first.length, 0);
    } catch (err) {
      return failed(err as Error, null);
    }
    file.sync((err) => {
      if (err !== null) return failed(err, file);
      this.store.syncDirectoryAsync().then(
        () => {
          this.preparing = false;
          for (const resolve of this.idleWaiters.splice(0)) resolve();
          this.next = { file, seq, size: this.store.size(name) };
          if (!this.closed && this.fileSize >= this.segmentBytes) this.rotate();
        },
        (e: Error) => failed(e, file),
      );
    });
  }

  /**
   * Switches to the prepared segment once the current one is full; the old one is retired: its last
   * fsync runs next (startSync), then it is closed and counted for compaction. Blocks on nothing: if
   * the next segment is not ready yet, writing goes on in the current one.
   */
  private rotate(): void {
    if (this.failure !== null || this.file === null || this.retired !== null || this.closed) return;
    if (this.next === null) return this.prepareNext();
    // Every record encoded so far is in the old segment: the engine's state now is the state before
    // the new one, and if it is small it becomes the next snapshot as it is.
    const t = performance.now();
    const captured = this.enc.length === 0 ? this.capture() : null;
    if (captured !== null) this.figures.compactionMaxPauseMs = Math.max(this.figures.compactionMaxPauseMs, performance.now() - t);
    this.retired = { file: this.file, seq: this.seq, size: this.fileSize, end: this.written };
    this.file = this.next.file;
    this.seq = this.next.seq;
    this.fileSize = this.next.size;
    this.next = null;
    this.startSync();
    if (captured !== null) this.startCompaction(captured);
  }

  private capturable(): boolean {
    if (this.target === null) return false;
    const totals = this.target.totals();
    return totals.items <= this.captureMaxItems && totals.bytes <= CAPTURE_MAX_BYTES;
  }

  /** The engine's state, if small enough and no compaction is running; else null. */
  private capture(): CapturedState | null {
    const t = this.target;
    if (t === null || this.compaction !== null || this.compactionBlocked !== null || this.closing || !this.capturable()) return null;
    const items: Array<{ queue: string; item: Item; open: boolean }> = [];
    for (const queue of t.queueNames()) {
      for (const item of t.readyItems(queue)) items.push({ queue, item, open: false });
      const open = t.openItems(queue);
      if (open.length > 1) open.sort((a, b) => a.id - b.id);
      for (const item of open) items.push({ queue, item, open: true });
    }
    return { nextId: t.nextId, items };
  }

  /** The retired segment is durable: close it and hand it to compaction (unless a snapshot covers it already). */
  private retire(r: { file: StoreFile; seq: number; size: number }): void {
    r.file.close();
    this.retired = null;
    if (this.snapshot !== null && r.seq < this.snapshot.seq) return;
    this.closedSegments.push({ seq: r.seq, name: segmentName(r.seq), bytes: r.size });
    this.maybeCompact();
  }

  // ---- compaction ----

  /**
   * Starts a compaction by reading, when the closed segments call for one and the state is too large
   * to capture at the next segment switch (which costs no reading).
   */
  private maybeCompact(): void {
    if (this.compaction !== null || this.compactionBlocked !== null || this.closing || this.closedSegments.length === 0) return;
    if (this.capturable()) return;
    let closed = 0;
    for (const s of this.closedSegments) closed += s.bytes;
    const threshold = Math.max(this.compactMinBytes, this.snapshot?.bytes ?? 0);
    if (closed < threshold) return;
    this.startCompaction(null, closed > 2 * threshold ? 4 * this.sliceBytes : this.sliceBytes);
  }

  /**
   * Folds everything before the current segment into snapshot.<current>: from `captured` (the
   * engine's state at the switch) or by reading the snapshot and the closed segments.
   */
  private startCompaction(captured: CapturedState | null, sliceBytes = this.sliceBytes): void {
    this.writtenSeen = this.written;
    const segments = this.closedSegments.map((s) => s.seq);
    if (captured !== null && this.retired !== null) segments.push(this.retired.seq);
    this.compaction = new Compaction(this.store, {
      snapshotSeq: this.snapshot?.seq ?? null,
      segments,
      targetSeq: captured !== null ? this.seq : segments[segments.length - 1] + 1,
      sliceBytes,
      written: () => {
        const n = this.written - this.writtenSeen;
        this.writtenSeen = this.written;
        return n;
      },
      now: Date.now(),
      captured: captured ?? undefined,
    });
    // Never rejects: a compaction that fails resolves with kind 'failed'.
    void this.compaction.finished.then((result) => this.compacted(result));
  }

  private compacted(result: CompactionResult): void {
    this.compaction = null;
    if (result.kind === 'cancelled') return;
    if (result.kind === 'failed') {
      this.warn(`journal: compaction failed: ${result.reason}`);
      if (result.permanent) this.compactionBlocked = result.reason;
      return;
    }
    this.snapshot = { seq: result.seq, bytes: result.bytes };
    this.closedSegments = this.closedSegments.filter((seg) => seg.seq >= result.seq);
    const f = this.figures;
    f.compactions++;
    f.compactionMs += result.ms;
    f.lastCompactionAt = Date.now();
    f.lastCompactionMs = result.ms;
    f.compactionMaxPauseMs = Math.max(f.compactionMaxPauseMs, result.maxPauseMs);
    if (!this.closed) this.maybeCompact();
  }

  // ---- faults ----

  /** A write or fsync failed: fail every waiting reply, refuse changes, retry later. */
  private fail(err: NodeJS.ErrnoException): void {
    if (this.failure === null) {
      this.figures.faults++;
      this.warn(`journal: ${err.syscall ?? 'write'} failed (${err.code ?? err.message}); refusing changes until the disk recovers`);
    }
    this.failure = err;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.done(err);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retry();
    }, this.retryMs);
    this.retryTimer.unref();
  }

  /** Rewrites every byte not known durable, at its place, syncs; on success takes changes again. */
  private retry(): void {
    if (this.failure === null || this.file === null) return;
    if (this.syncing) return this.scheduleRetry();
    try {
      for (const c of this.unsynced) c.file.write(c.data, 0, c.data.length, c.at);
      if (this.retired !== null) this.retired.file.syncNow();
      this.file.syncNow();
      this.figures.fsyncs++;
    } catch (err) {
      this.failure = err as NodeJS.ErrnoException;
      return this.scheduleRetry();
    }
    this.failure = null;
    this.unsynced = [];
    if (this.retired !== null) this.retire(this.retired);
    this.markSynced(this.written);
    this.warn(`journal: the disk takes writes again; changes are accepted`);
    for (const resolve of this.recoveredWaiters.splice(0)) resolve();
    if (this.enc.length > 0) this.schedule();
    if (this.fileSize >= this.segmentBytes) this.rotate();
  }
}
