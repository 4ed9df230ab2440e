/**
 * Compaction: folds the newest snapshot and the closed segments after it into a new snapshot, so the
 * journal's size follows the live data, whatever the workload (queues that never empty, items held
 * for long, release cycles). It reads the files through the same reader as startup (reader.ts) and
 * writes the state they describe, a piece per event-loop turn, so the server keeps serving. When the
 * live state is small, the journal hands it over directly (taken from the engine as it switched
 * segments), and nothing is read; nor at startup, where the state startup read is written as it is.
 *
 * Crash-safe at every step: the snapshot is written to `snapshot.<seq>.tmp`, fsynced, renamed to
 * `snapshot.<seq>` and the directory fsynced; only then are the files it replaces removed. A crash
 * before the rename leaves a .tmp that startup removes; after it, startup uses the new snapshot and
 * ignores (then removes) the older files.
 */
import type { DecodedRecord } from './decoder.js';
import { CHAIN_START, encodeHeader, RecordEncoder, type ChainPosition } from './encoder.js';
import { FileKind, RecordType } from './format.js';
import { segmentName, snapshotName, TEMP_SUFFIX } from './names.js';
import { FileCursor } from './file-cursor.js';
import type { Item } from '../queue/types.js';
import { ReplayState } from './replay-state.js';
import type { JournalStore, StoreFile } from './store.js';

export interface CompactionInput {
  /** The snapshot to start from (the state before segment snapshotSeq), or null. */
  readonly snapshotSeq: number | null;
  /** Closed segments to fold, in order. */
  readonly segments: readonly number[];
  /** Sequence number of the snapshot to write: the first segment it does not cover. */
  readonly targetSeq: number;
  /** Bytes read (or written) per piece: each piece is read off the main thread, then decoded in one turn. */
  readonly sliceBytes: number;
  /**
   * Bytes the journal wrote since the last call. Each piece reads (or writes) four times that, so a
   * compaction outpaces the log it folds, however fast the server writes (measured: twice was not
   * enough when the server saturates its CPU, since a piece also waits for the thread pool).
   */
  readonly written?: () => number;
  /** Items expired by this time are left out. */
  readonly now: number;
  /**
   * The state itself, taken from the engine at the moment the journal switched segments (every record
   * before targetSeq written, none after): then nothing is read, the snapshot is just written.
   */
  readonly captured?: CapturedState;
  /**
   * The state startup read from the snapshot and every segment (`bytesRead` of files), which a
   * compaction due at startup writes as it is: nothing is read again.
   */
  readonly replayed?: { readonly state: ReplayState; readonly bytesRead: number };
}

export interface CapturedState {
  /** Ids below this may have been issued. */
  readonly nextId: number;
  /** Where the records of the segment the snapshot comes before go on (their first serial…). */
  readonly chain: ChainPosition;
  /** A flush_all to come at this time (0: none). */
  readonly flushAllAt: number;
  /** Per queue: ready items head first, then open items in id order, then delayed items in due order. */
  readonly items: readonly SnapshotItem[];
  /** The fanout queues that exist. */
  readonly fanouts: readonly string[];
}

/** One live item as a snapshot records it: open (reserved), or delayed until `dueAt` (0: not delayed). */
export interface SnapshotItem {
  readonly queue: string;
  readonly item: Item;
  readonly open: boolean;
  readonly dueAt: number;
}

export type CompactionResult =
  | { readonly kind: 'done'; readonly seq: number; readonly bytes: number; readonly ms: number; readonly maxPauseMs: number }
  /** `damaged`: a file it read is damaged (the journal then snapshots from memory instead). */
  | { readonly kind: 'failed'; readonly reason: string; readonly damaged?: string }
  | { readonly kind: 'cancelled' };

export class Compaction {
  readonly finished: Promise<CompactionResult>;
  private resolve!: (r: CompactionResult) => void;
  /**
   * What the files describe (item data copied out of the pieces read, so each piece is dropped once
   * decoded: see DataSlabs). Dropped, with `captured`, as soon as the snapshot is encoded: the rename
   * and the clean-up after it need neither, and a million items' worth should not wait for them.
   */
  private state: ReplayState | null;
  private captured: CapturedState | null;
  private readonly cursors: FileCursor[] = [];
  private readonly started = performance.now();
  private maxPauseMs = 0;
  private cancelled = false;
  /** Bytes of journal files decoded so far. */
  private read = 0;
  private out: StoreFile | null = null;
  private outSize = 0;

  constructor(
    private readonly store: JournalStore,
    private readonly input: CompactionInput,
  ) {
    this.finished = new Promise((resolve) => (this.resolve = resolve));
    this.captured = input.captured ?? null;
    this.state = input.replayed?.state ?? new ReplayState();
    this.read = input.replayed?.bytesRead ?? 0;
    if (input.captured === undefined && input.replayed === undefined) {
      if (input.snapshotSeq !== null)
        this.cursors.push(new FileCursor(store, snapshotName(input.snapshotSeq), 'snapshot', input.snapshotSeq));
      for (const seq of input.segments) this.cursors.push(new FileCursor(store, segmentName(seq), 'segment', seq));
      // The serials of a snapshot's records are its own; without one, segments start the chain.
      this.state.startChain(1, 0);
      this.startFile();
    }
    setImmediate(() => this.slice(this.readSlice));
  }

  /** Bytes of journal files it read, or startup read for it (0 when it wrote a state captured from the engine). */
  get readBytes(): number {
    return this.read;
  }

  /** Stops at the next slice boundary; the partial snapshot is removed. */
  cancel(): void {
    this.cancelled = true;
  }

  /** Runs one step, timing it (the longest is the pause compaction caused), then the step it returns. */
  private slice(step: Step): void {
    if (this.cancelled) return this.end({ kind: 'cancelled' });
    const t = performance.now();
    let next: Step | Promise<Step> | null;
    const failed = (err: Error) =>
      this.end({ kind: 'failed', reason: err.message, damaged: err instanceof DamagedFileError ? err.file : undefined });
    try {
      next = step();
    } catch (err) {
      return failed(err as Error);
    }
    this.maxPauseMs = Math.max(this.maxPauseMs, performance.now() - t);
    if (next instanceof Promise) next.then((s) => this.slice(s), failed);
    else if (next !== null) setImmediate(() => this.slice(next));
  }

  /** Reads the next chunk off the main thread, then decodes it in the next slice. */
  private readSlice = (): Promise<Step> | Step => {
    const cursor = this.cursors[0];
    if (cursor === undefined) return this.beginWrite;
    return cursor.fill(this.pieceBytes()).then(() => this.decodeSlice);
  };

  private decodeSlice = (): Step => {
    const cursor = this.cursors[0];
    if (!cursor.decode(this.apply)) return this.readSlice;
    void cursor.close();
    const report = cursor.report;
    this.read += report.size;
    if (report.damage !== null) {
      const d = report.damage;
      throw new DamagedFileError(report.name, `${report.name} is damaged at offset ${d.offset} (${d.reason})`);
    }
    const state = this.state!;
    if (report.header !== null) state.raiseNextId(report.header.nextId);
    if (report.kind === 'snapshot') state.snapshotRead(report.version, report.header?.nextSerial ?? null);
    this.cursors.shift();
    this.startFile();
    return this.readSlice;
  };

  private readonly apply = (r: DecodedRecord): void => this.state!.apply(r);

  /** Tells the state which file its next records come from. */
  private startFile(): void {
    const next = this.cursors[0];
    if (next !== undefined) this.state!.reading(next.report.name, next.report.kind);
  }

  /** The next piece's size: sliceBytes, or four times what the journal wrote since the last piece. */
  private pieceBytes(): number {
    const behind = 4 * (this.input.written?.() ?? 0);
    return Math.min(MAX_PIECE_BYTES, Math.max(this.input.sliceBytes, behind));
  }

  private items: Generator<SnapshotItem> | null = null;
  private readonly enc = new RecordEncoder(256 * 1024);
  private count = 0;

  private beginWrite = (): Step => {
    const captured = this.captured;
    const state = this.state!;
    const nextId = captured?.nextId ?? state.nextId;
    this.chain = captured?.chain ?? state.chainPosition();
    const temp = snapshotName(this.input.targetSeq) + TEMP_SUFFIX;
    this.store.remove(temp); // a .tmp is never read: one left by a failed attempt goes (create never replaces)
    this.out = this.store.create(temp);
    const header = encodeHeader(FileKind.Snapshot, this.input.targetSeq, nextId, this.chain.serial);
    this.out.write(header, 0, header.length, 0);
    this.outSize = header.length;
    this.enc.nextId(nextId);
    const flushAllAt = captured?.flushAllAt ?? state.flushAllAt;
    if (flushAllAt !== 0) this.enc.flushAll(flushAllAt);
    for (const queue of captured?.fanouts ?? state.fanouts) this.enc.queue(RecordType.Fanout, queue);
    this.items = this.liveItems();
    return this.writeSlice;
  };

  /** Where the segment after the snapshot goes on (in its header and its snapshot_end). */
  private chain: ChainPosition = CHAIN_START;

  /** Ready items head first, then open ones in id order; expired ready items are left out. */
  private *liveItems(): Generator<SnapshotItem> {
    const now = this.input.now;
    if (this.captured !== null) {
      for (const x of this.captured.items) if (x.open || x.item.expiresAt === 0 || x.item.expiresAt > now) yield x;
      return;
    }
    for (const [queue, q] of this.state!.queues) {
      for (const { item, open, dueAt } of q.snapshotOrder()) {
        if (open || item.expiresAt === 0 || item.expiresAt > now) yield { queue, item, open, dueAt };
      }
    }
  }

  /** Encodes about sliceBytes of the snapshot, then writes them off the main thread. */
  private writeSlice = (): Promise<Step> => {
    const items = this.items!;
    const piece = this.pieceBytes();
    while (this.enc.length < piece) {
      const next = items.next();
      if (next.done) {
        this.enc.snapshotEnd(this.count, this.chain);
        this.dropState();
        return this.writeOut().then(() => this.syncOut);
      }
      const { queue, item, open, dueAt } = next.value;
      this.enc.enqueued(queue, item.id, item.flags, item.expiresAt, item.enqueuedAt, item.data);
      if (open) this.enc.item(RecordType.Reserved, queue, item.id);
      // After reserved, which counts one delivery on replay: the count recorded is the whole count.
      if (item.deliveries > 0) this.enc.deliveries(queue, item.id, item.deliveries);
      if (dueAt > 0) this.enc.delayed(queue, item.id, dueAt);
      this.count++;
    }
    return this.writeOut().then(() => this.writeSlice);
  };

  /** The state is written (or will never be): nothing refers to it or its item data any more. */
  private dropState(): void {
    this.items = null;
    this.state = null;
    this.captured = null;
  }

  private async writeOut(): Promise<void> {
    const data = this.enc.takeView();
    const at = this.outSize;
    this.outSize += data.length;
    await this.out!.writeAsync(data, at);
  }

  /** fsync off the main thread, then the rename and the clean-up. */
  private syncOut = (): null => {
    this.out!.sync((err) => {
      if (err !== null) return this.end({ kind: 'failed', reason: err.message });
      if (this.cancelled) return this.end({ kind: 'cancelled' });
      this.install().then(
        () =>
          this.end({
            kind: 'done',
            seq: this.input.targetSeq,
            bytes: this.outSize,
            ms: performance.now() - this.started,
            maxPauseMs: this.maxPauseMs,
          }),
        (e: Error) => this.end({ kind: 'failed', reason: e.message }),
      );
    });
    return null;
  };

  /**
   * The new snapshot takes over: renamed into place (from here a crash keeps it), the rename made
   * durable, then the files it replaces removed; all on the thread pool. A failure after the rename
   * leaves obsolete files, which startup removes: the snapshot counts as done.
   */
  private async install(): Promise<void> {
    const final = snapshotName(this.input.targetSeq);
    this.out!.close();
    this.out = null;
    await this.store.renameAsync(final + TEMP_SUFFIX, final);
    try {
      await this.store.syncDirectoryAsync();
      const obsolete = this.input.segments.map((seq) => segmentName(seq));
      // A snapshot of the same number (one `rq replay-journal --repair` wrote) was replaced by the rename.
      if (this.input.snapshotSeq !== null && this.input.snapshotSeq !== this.input.targetSeq)
        obsolete.push(snapshotName(this.input.snapshotSeq));
      for (const name of obsolete) await this.store.removeAsync(name);
      await this.store.syncDirectoryAsync();
    } catch {
      // obsolete files stay until the next startup
    }
  }

  private end(result: CompactionResult): void {
    this.dropState();
    for (const c of this.cursors) void c.close();
    this.cursors.length = 0;
    if (this.out !== null) {
      try {
        this.out.close();
        this.store.remove(snapshotName(this.input.targetSeq) + TEMP_SUFFIX);
      } catch {
        // the .tmp is removed at the next startup
      }
      this.out = null;
    }
    this.resolve(result);
  }
}

/** A file compaction read is damaged. */
class DamagedFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** A piece never exceeds 2 MiB (a few ms of decoding, ~20k small records), however far behind. */
const MAX_PIECE_BYTES = 2 * 1024 * 1024;

/**
 * One slice of work; returns the next (run on the next turn), a promise of it (I/O off the main
 * thread first), or null when the rest happens in callbacks.
 */
type Step = () => Step | Promise<Step> | null;
