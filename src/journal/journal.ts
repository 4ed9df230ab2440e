/**
 * The journal: rq's durability layer. It sits between the queue engine and the disk: the engine
 * reports every change to it (it is the engine's ChangeLog), the server holds replies until it says
 * they are durable (it is the server's Durability), and at startup it rebuilds the engine's state
 * (restore.ts).
 *
 * This file is the write side's state machine: write → fsync → rotate → fault. Each change is encoded
 * into one growing buffer (encoder.ts); once per event-loop turn the buffer is written with one
 * positional write; with `--fsync always` an fsync then runs on the thread pool, and every reply
 * waiting for bytes written before it started is released when it ends (group commit: appends made
 * while an fsync is in flight are written in one write when it ends, and ride on the next one). The
 * log is split into segments; closed segments are folded into a snapshot in the background
 * (compaction-scheduler.ts, compactor.ts).
 *
 * Faults: a failed write or fsync fails every waiting reply (SERVER_ERROR), and the journal refuses
 * changes (`refusal()`) until a retry rewrites every unconfirmed byte and syncs it. See
 * docs/journal-format.md: "Disk faults".
 */
import type { ChangeLog } from '../queue/types.js';
import { CompactionScheduler } from './compaction-scheduler.js';
import { encodeHeader, RecordEncoder } from './encoder.js';
import { giveBackMemory } from '../give-back-memory.js';
import { FileKind, HEADER_BYTES, RecordType } from './format.js';
import { ManifestWriter, writeManifest, type Manifest } from './manifest.js';
import { segmentName } from './names.js';
import { NextSegment } from './next-segment.js';
import { describeFsyncPolicy, journalSettings, LARGE_READ_BYTES, type JournalOptions, type JournalSettings } from './policy.js';
import { restoreJournal, type RestoreReport, type RestoreTarget } from './restore.js';
import { SpareBuffers } from './spare-buffers.js';
import type { JournalStore, StoreFile } from './store.js';

export type { JournalOptions } from './policy.js';
export type { RestoreReport, RestoreTarget } from './restore.js';

/** A second without writes: the burst before it is over. */
const QUIET_MS = 1000;
/**
 * 4 MiB of spare write buffers: worth a collection (a pause of some tens of milliseconds, on a
 * server that is quiet) to give them back. A burst leaves more (a turn's buffer grows to MiBs).
 */
const BURST_SPARE_BYTES = 4 * 1024 * 1024;

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
  private readonly settings: JournalSettings;
  private readonly warn: (line: string) => void;
  private readonly compactor: CompactionScheduler;
  private target: RestoreTarget | null = null;

  // Logical positions: bytes of records since this process opened the journal.
  private written = 0;
  private synced = 0;
  private unsynced: Chunk[] = [];
  private readonly spares = new SpareBuffers();
  private waiters: DurableWaiter[] = [];

  private file: StoreFile | null = null;
  private seq = 0;
  private fileSize = 0;
  private readonly manifest: ManifestWriter;
  /** The manifest is written (at startup): it is one of the journal's files. */
  private manifestWritten = false;
  /** The segment after this one, made ready ahead of time so that rotating blocks on nothing. */
  private readonly next: NextSegment;
  /** The previous segment after a rotation, until its last fsync: then it is closed. */
  private retired: { file: StoreFile; seq: number; size: number; end: number } | null = null;
  /** Compaction asked for a segment switch before the current segment is full (switchEarly). */
  private switchWanted = false;
  private idleWaiters: Array<() => void> = [];
  private flushScheduled = false;
  private syncing = false;
  private syncTimer: unknown = null;
  private lastSyncAt = 0;
  private failure: NodeJS.ErrnoException | null = null;
  private retryTimer: unknown = null;
  private closed = false;
  private recoveredWaiters: Array<() => void> = [];
  /** Whether the journal wrote since the quiet timer last fired; the timer, or null. */
  private wroteLately = false;
  private quietTimer: unknown = null;

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

  /**
   * The once-per-turn write. With `--fsync always`, while an fsync runs, the records of later turns
   * wait and go out in one write when it ends (afterSync): no reply can go out before the next fsync
   * anyway, and one write instead of one per turn saves system calls (bench/RESULTS.md: Issue 15,
   * system calls per cycle).
   */
  private readonly flushNow = () => {
    if (this.syncing && this.settings.fsync.kind === 'always') this.flushScheduled = false;
    else this.flush();
  };

  constructor(
    private readonly store: JournalStore,
    options: JournalOptions,
  ) {
    this.settings = journalSettings(options);
    this.warn = this.settings.warn;
    this.compactor = new CompactionScheduler(
      store,
      this.settings,
      this.figures,
      () => this.written,
      () => this.enc.position,
      () => this.releaseMemory(),
      () => this.fileSize + (this.retired?.size ?? 0),
      () => this.switchEarly(),
    );
    this.manifest = new ManifestWriter(store, () => this.manifestNow());
    this.next = new NextSegment(
      store,
      this.settings,
      this.manifest,
      (seq) => this.segmentHeader(seq),
      () => {
        if (!this.closed && this.switchDue()) this.rotate();
      },
    );
  }

  // ---- startup ----

  /**
   * Replays the journal into `target` (the engine, whose ChangeLog this journal is; restore.ts), then
   * starts a new segment, names it in the manifest, removes segments left empty by restarts and,
   * when the state is small or something was damaged, snapshots it at once.
   */
  restore(target: RestoreTarget, now: number): RestoreReport {
    const started = performance.now();
    this.target = target;
    const found = restoreJournal(this.store, target, now, this.warn);
    this.enc.continueFrom(found.chain);
    this.compactor.restored(target, found.snapshot, found.closedSegments);
    // A block of ids, recorded below in the new segment's header and in the manifest.
    target.raiseIdCeiling();
    // A new segment, after every one there is or was, and never one the snapshot covers.
    this.startSegment(Math.max(found.newestSegment + 1, found.snapshot?.seq ?? 1));
    writeManifest(this.store, this.manifestNow());
    this.manifestWritten = true;
    // Segments that hold no record (restarts without changes) are covered by the new segment's header.
    if (found.emptySegments.length > 0) {
      for (const name of found.emptySegments) this.store.remove(name);
      this.store.syncDirectory();
      this.compactor.forget(found.emptySegments);
    }
    // Right after the restore nothing is in the new segment: a small state (or one restored from
    // damaged files) is the snapshot before it.
    if (found.heal) this.compactor.heal();
    // Else, if a compaction is due, the state just read is written as it is (rather than read again).
    const captured = this.compactor.hasFiles ? this.compactor.capture() : null;
    if (captured !== null) this.compactor.startFromCapture(captured, this.seq, null);
    const replayed = captured === null && this.compactor.compactReplayed(found.state, found.bytesRead, this.seq);
    // The first records of the new segment: what the restore changed (restore.ts), after the snapshot
    // of the state before the segment is taken.
    for (const r of found.restartRecords) this.enc.item(r.expired ? RecordType.Expired : RecordType.Released, r.queue, r.id);
    if (found.restartRecords.length > 0) this.schedule();
    // What fell due while the server was down (a flush_all, delayed items) happens now, in the new segment.
    target.tick(now);
    // The state replayed is in the engine now: unless a compaction writes it, it is garbage once this
    // returns (give-back-memory.ts).
    if (!replayed && found.bytesRead >= LARGE_READ_BYTES) setImmediate(() => this.releaseMemory());
    return { ...found.report, ms: performance.now() - started };
  }

  /**
   * After a large read (startup, a compaction): drops the spare write buffers too (up to 16 MiB
   * after a burst of writes; a busy server allocates a few again), and asks V8 to give it all back.
   */
  private releaseMemory(): void {
    this.spares.clear();
    giveBackMemory();
  }

  /**
   * Once the journal has written nothing for QUIET_MS, gives back the write buffers a burst grew
   * (the encoder's, and spares up to 16 MiB: a push of a million items left 21 MB): a quiet server
   * needs none of them, and a busy one allocates a few again.
   */
  private awaitQuiet(): void {
    this.quietTimer = this.settings.clock.setTimeout(() => {
      this.quietTimer = null;
      if (this.wroteLately) {
        this.wroteLately = false;
        return this.awaitQuiet();
      }
      if (this.closed || this.spares.size < BURST_SPARE_BYTES) return;
      this.enc.shrink();
      this.releaseMemory();
    }, QUIET_MS);
  }

  // ---- ChangeLog: called by the engine for every change, before the call returns ----

  enqueued(queue: string, id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void {
    this.enc.enqueued(queue, id, flags, expiresAt, enqueuedAt, data);
    this.schedule();
  }
  reserved(queue: string, id: number): void {
    this.enc.reservedHead(queue, id);
    this.schedule();
  }
  acked(queue: string, id: number): void {
    this.enc.acked(queue, id);
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
  nextId(next: number): void {
    this.enc.nextId(next);
    this.schedule();
    // Also in the manifest, which outlives the loss of the newest segment.
    this.manifest.save().catch((err: Error) => this.warn(`journal: cannot write the manifest: ${err.message}`));
  }
  flushAll(at: number): void {
    this.enc.flushAll(at);
    this.schedule();
  }
  delayed(queue: string, id: number, dueAt: number): void {
    this.enc.delayed(queue, id, dueAt);
    this.schedule();
  }
  due(queue: string, id: number): void {
    this.enc.item(RecordType.Due, queue, id);
    this.schedule();
  }
  dead(queue: string, id: number): void {
    this.enc.item(RecordType.Dead, queue, id);
    this.schedule();
  }
  fanout(queue: string): void {
    this.enc.queue(RecordType.Fanout, queue);
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
    return this.settings.fsync.kind === 'always' ? this.synced : this.written;
  }

  whenDurable(position: number, done: (error: Error | null) => void): void {
    if (position <= this.durable) done(null);
    else this.waiters.push({ position, done });
  }

  /** Why changes are refused right now (a disk fault), or null. */
  refusal(): string | null {
    return this.failure === null
      ? null
      : `journal unavailable (${this.failure.code ?? this.failure.message}); changes are refused until the disk recovers`;
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
      ['journal_fsync', describeFsyncPolicy(this.settings.fsync)],
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

  /** The journal's files in the data directory now (snapshot, segments, the one prepared next, the manifest) and their bytes. */
  diskUsage(): { readonly files: number; readonly bytes: number } {
    const behind = this.compactor.diskUsage();
    let files = behind.files + (this.file === null ? 0 : 1);
    let bytes = behind.bytes + this.fileSize;
    if (this.manifestWritten) {
      files++;
      bytes += HEADER_BYTES; // a manifest is a file header alone
    }
    if (this.retired !== null) {
      files++;
      bytes += this.retired.size;
    }
    if (this.next.bytes > 0) {
      files++;
      bytes += this.next.bytes;
    }
    return { files, bytes };
  }

  /** Writes what is pending, syncs it and closes the segment. Returns false if some changes could not be written. */
  async close(): Promise<boolean> {
    if (this.closed) return true;
    const stopping = this.compactor.stop();
    this.flush();
    if (this.failure !== null) this.retry();
    await stopping;
    while (this.syncing) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.next.idle();
    await this.manifest.idle();
    this.closed = true;
    const clock = this.settings.clock;
    if (this.syncTimer !== null) clock.clearTimeout(this.syncTimer);
    if (this.retryTimer !== null) clock.clearTimeout(this.retryTimer);
    if (this.quietTimer !== null) clock.clearTimeout(this.quietTimer);
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
    for (const f of [this.file, this.retired?.file]) {
      try {
        f?.close();
      } catch {
        // closing is best effort
      }
    }
    // A segment prepared and not used stays (the manifest may name it); the next startup removes it.
    this.next.close();
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
    const keep = this.settings.fsync.kind !== 'never';
    const data = keep ? this.enc.detach(this.spares.take()) : this.enc.takeView();
    const at = this.fileSize;
    this.fileSize += data.length;
    this.written += data.length;
    this.figures.writes++;
    this.figures.bytesWritten += data.length;
    this.wroteLately = true;
    if (this.quietTimer === null) this.awaitQuiet();
    const file = this.file;
    try {
      file.write(data, 0, data.length, at);
    } catch (err) {
      this.unsynced.push({ file, data: keep ? data : Buffer.from(data), at, end: this.written });
      this.fail(err as NodeJS.ErrnoException);
      return;
    }
    if (keep) this.unsynced.push({ file, data, at, end: this.written });
    if (this.fileSize >= this.settings.segmentBytes / 2) this.prepareNext();
    if (this.switchDue()) this.rotate();
    this.compactor.wrote();
    if (this.settings.fsync.kind === 'always') {
      this.startSync();
    } else {
      this.notify();
      if (this.settings.fsync.kind === 'interval') this.scheduleIntervalSync();
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
    this.lastSyncAt = this.settings.clock.now();
    const onFsync = this.settings.onFsync;
    const started = onFsync === null ? 0 : performance.now();
    file.sync((err) => {
      this.syncing = false;
      if (err === null) onFsync?.((performance.now() - started) / 1000);
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
    if (this.switchDue()) this.rotate();
    if (this.settings.fsync.kind === 'always') {
      // Changes made since the last write (earlier in this event-loop turn) ride on the next fsync
      // now rather than one fsync later.
      if (this.enc.length > 0) this.flush();
      else this.startSync();
    } else if (this.written > this.synced) this.scheduleIntervalSync();
  }

  /** `<ms>`: one fsync at most every ms milliseconds, while something is unsynced. */
  private scheduleIntervalSync(): void {
    const policy = this.settings.fsync;
    if (this.syncTimer !== null || this.syncing || policy.kind !== 'interval') return;
    const clock = this.settings.clock;
    const wait = this.retired !== null ? 0 : Math.max(0, this.lastSyncAt + policy.ms - clock.now());
    this.syncTimer = clock.setTimeout(() => {
      this.syncTimer = null;
      this.startSync();
    }, wait);
  }

  private markSynced(target: number): void {
    if (target > this.synced) this.synced = target;
    let drop = 0;
    while (drop < this.unsynced.length && this.unsynced[drop].end <= this.synced) this.spares.give(this.unsynced[drop++].data);
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

  /**
   * The header of segment `seq`: the bound on ids issued so far, and the serial of the next record
   * encoded (its first record's serial, or less: records encoded meanwhile go to the segment before).
   */
  private segmentHeader(seq: number): Buffer {
    return encodeHeader(FileKind.Segment, seq, this.target?.idCeiling ?? 1, this.enc.position.serial);
  }

  /** What the manifest says now: the newest segment made, and the bound on ids. */
  private manifestNow(): Manifest {
    return { newest: Math.max(this.seq, this.next.newest), nextId: this.target?.idCeiling ?? 1 };
  }

  /** Creates segment `seq` and makes it durable, blocking (startup only). */
  private startSegment(seq: number): void {
    const file = this.store.create(segmentName(seq));
    const head = this.segmentHeader(seq);
    file.write(head, 0, head.length, 0);
    file.syncNow();
    this.store.syncDirectory();
    this.file = file;
    this.seq = seq;
    this.fileSize = head.length;
  }

  /**
   * The current segment is full, or compaction asked for a switch and no record waits to be written
   * (the switch must come after the write, for a snapshot captured at it to be the state before the
   * new segment: with `--fsync always` records wait while an fsync runs).
   */
  private switchDue(): boolean {
    return this.fileSize >= this.settings.segmentBytes || (this.switchWanted && this.enc.length === 0);
  }

  /**
   * Switches segments before the current one is full, as soon as it can (compaction asks: enough of
   * the journal is dead). Records still to be written go to the current segment first: the switch
   * comes after the flush that writes them, so a snapshot captured then is the state before the new one.
   */
  private switchEarly(): void {
    this.switchWanted = true;
    if (this.enc.length > 0) this.schedule();
    else this.rotate();
  }

  private prepareNext(): void {
    if (this.failure === null && !this.closed) this.next.prepare(this.seq + 1);
  }

  /**
   * Switches to the prepared segment once the current one is full; the old one is retired: its last
   * fsync runs next (startSync), then it is closed and counted for compaction. Blocks on nothing: if
   * the next segment is not ready yet, writing goes on in the current one.
   */
  private rotate(): void {
    if (this.failure !== null || this.file === null || this.retired !== null || this.closed) return;
    if (this.next.ready === null) return this.prepareNext();
    // Every record encoded so far is in the old segment: the engine's state now is the state before
    // the new one, and if it is small it becomes the next snapshot as it is.
    const t = performance.now();
    const captured = this.enc.length === 0 ? this.compactor.capture() : null;
    if (captured !== null) this.figures.compactionMaxPauseMs = Math.max(this.figures.compactionMaxPauseMs, performance.now() - t);
    this.retired = { file: this.file, seq: this.seq, size: this.fileSize, end: this.written };
    const next = this.next.take();
    this.switchWanted = false;
    this.file = next.file;
    this.seq = next.seq;
    this.fileSize = next.size;
    this.startSync();
    if (captured !== null) this.compactor.startFromCapture(captured, this.seq, this.retired.seq);
  }

  /** The retired segment is durable: close it and hand it to compaction. */
  private retire(r: { file: StoreFile; seq: number; size: number }): void {
    r.file.close();
    this.retired = null;
    this.compactor.segmentClosed(r.seq, segmentName(r.seq), r.size);
  }

  // ---- faults ----

  /** A write or fsync failed: fail every waiting reply, refuse changes, retry later. */
  private fail(err: NodeJS.ErrnoException): void {
    if (this.failure === null) {
      this.figures.faults++;
      this.warn(
        `journal: ${err.syscall ?? 'write'} failed (${err.code ?? err.message}); refusing changes until the disk recovers`,
      );
    }
    this.failure = err;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.done(err);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    this.retryTimer = this.settings.clock.setTimeout(() => {
      this.retryTimer = null;
      this.retry();
    }, this.settings.retryMs);
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
    if (this.switchDue()) this.rotate();
  }
}
