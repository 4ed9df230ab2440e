/**
 * When to compact, and what: the bookkeeping of the snapshot and the closed segments behind the
 * journal, and the choice between a snapshot taken from the engine at a segment switch (when the live
 * state is small: nothing to read) and one made by reading the files (compactor.ts does either).
 *
 * Healing: after damage (found at startup, or by a compaction reading a file) the next snapshot is
 * taken from the engine whatever its size: the engine holds every change, so the damaged files
 * cost nothing more once that snapshot replaces them.
 */
import { Compaction, type CapturedState, type CompactionResult, type SnapshotItem } from './compactor.js';
import type { ChainPosition } from './encoder.js';
import type { ReplayState } from './replay-state.js';
import { LARGE_READ_BYTES, type JournalSettings } from './policy.js';
import type { ClosedSegment, RestoreTarget } from './restore.js';
import { damagedName, DAMAGED_SUFFIX } from './names.js';
import type { JournalStore } from './store.js';

/** The journal's compaction figures for `stats` (the scheduler updates them). */
export interface CompactionFigures {
  compactions: number;
  /** Time spent in compactions, all together. */
  compactionMs: number;
  lastCompactionAt: number;
  lastCompactionMs: number;
  compactionMaxPauseMs: number;
}

export class CompactionScheduler {
  private snapshot: { seq: number; bytes: number } | null = null;
  private closedSegments: ClosedSegment[] = [];
  private compaction: Compaction | null = null;
  /** The next snapshot is taken from the engine whatever its size: damage was found. */
  private healPending = false;
  /** The running compaction writes such a snapshot (closing waits for it rather than cancel it). */
  private healing = false;
  /** The journal is closing: no new compaction starts. */
  private stopping = false;
  /** What `written()` returned when compaction last asked (it paces itself on the difference). */
  private writtenSeen = 0;
  private target: RestoreTarget | null = null;

  constructor(
    private readonly store: JournalStore,
    private readonly settings: JournalSettings,
    private readonly figures: CompactionFigures,
    /** Bytes the journal has written so far. */
    private readonly written: () => number,
    /** Where the journal's next record goes on the chain of serials. */
    private readonly chain: () => ChainPosition,
    /** Called when a compaction that read at least LARGE_READ_BYTES has ended: its memory is garbage. */
    private readonly afterLargeRead: () => void,
  ) {}

  /** The state restore found: the engine to capture from, the snapshot and the closed segments. */
  restored(target: RestoreTarget, snapshot: { seq: number; bytes: number } | null, closed: ClosedSegment[]): void {
    this.target = target;
    this.snapshot = snapshot;
    this.closedSegments = closed;
  }

  /** Closed segments known (startup removes the empty ones it finds). */
  forget(names: readonly string[]): void {
    this.closedSegments = this.closedSegments.filter((s) => !names.includes(s.name));
  }

  get hasFiles(): boolean {
    return this.closedSegments.length > 0 || this.snapshot !== null;
  }

  /** The snapshot and the closed segments: how many files, and their bytes. */
  diskUsage(): { readonly files: number; readonly bytes: number } {
    let bytes = this.snapshot?.bytes ?? 0;
    for (const s of this.closedSegments) bytes += s.bytes;
    return { files: this.closedSegments.length + (this.snapshot === null ? 0 : 1), bytes };
  }

  /** Damage was found: the next snapshot is taken from the engine, at once if none is being written. */
  heal(): void {
    this.healPending = true;
  }

  /**
   * The engine's state, if small enough (or healing) and no compaction is running; else null. Taken
   * when every change before the new segment is encoded and none after it.
   */
  capture(): CapturedState | null {
    const t = this.target;
    if (t === null || this.compaction !== null || this.stopping || !(this.healPending || this.capturable())) return null;
    const items: SnapshotItem[] = [];
    const fanouts: string[] = [];
    for (const queue of t.queueNames()) {
      if (t.isFanout(queue)) fanouts.push(queue);
      for (const item of t.readyItems(queue)) items.push({ queue, item, open: false, dueAt: 0 });
      const open = t.openItems(queue);
      if (open.length > 1) open.sort((a, b) => a.id - b.id);
      for (const item of open) items.push({ queue, item, open: true, dueAt: 0 });
      for (const { item, dueAt } of t.delayedItems(queue)) items.push({ queue, item, open: false, dueAt });
    }
    return { nextId: t.idCeiling, chain: this.chain(), flushAllAt: t.flushAllDue, items, fanouts };
  }

  /**
   * Writes `captured` (the engine's state as segment `targetSeq` began) as snapshot.<targetSeq>,
   * replacing the snapshot, the closed segments and `retiredSeq` (the segment just left, if any).
   */
  startFromCapture(captured: CapturedState, targetSeq: number, retiredSeq: number | null): void {
    const segments = this.closedSegments.map((s) => s.seq);
    if (retiredSeq !== null) segments.push(retiredSeq);
    this.healing = this.healPending;
    this.start(segments, targetSeq, this.settings.sliceBytes, captured);
  }

  /**
   * Startup read `state` from the files (`bytesRead` bytes) and segment `targetSeq` begins: if a
   * compaction by reading is due, writes that state instead, as snapshot.<targetSeq>. Returns
   * whether it did (the state is then kept until written).
   */
  compactReplayed(state: ReplayState, bytesRead: number, targetSeq: number): boolean {
    if (this.compaction !== null || this.stopping || this.healPending || !this.readingDue()) return false;
    this.start(
      this.closedSegments.map((s) => s.seq),
      targetSeq,
      this.settings.sliceBytes,
      undefined,
      { state, bytesRead },
    );
    return true;
  }

  /** A segment is closed and durable: it waits for compaction (unless a snapshot covers it already). */
  segmentClosed(seq: number, name: string, bytes: number): void {
    if (this.snapshot !== null && seq < this.snapshot.seq) return;
    this.closedSegments.push({ seq, name, bytes });
    this.maybeCompact();
  }

  /**
   * Starts a compaction by reading, when the closed segments call for one and the state is too large
   * to capture at the next segment switch (which costs no reading).
   */
  maybeCompact(): void {
    if (this.compaction !== null || this.stopping || this.healPending) return;
    const closed = this.readingDue();
    if (closed === 0) return;
    const threshold = this.threshold();
    const segments = this.closedSegments.map((s) => s.seq);
    const sliceBytes = closed > 2 * threshold ? 4 * this.settings.sliceBytes : this.settings.sliceBytes;
    this.start(segments, segments[segments.length - 1] + 1, sliceBytes);
  }

  /**
   * The bytes of the closed segments when they call for a compaction by reading (past the threshold,
   * and the state too large to capture at the next segment switch, which costs no reading); else 0.
   */
  private readingDue(): number {
    if (this.closedSegments.length === 0 || this.capturable()) return 0;
    let closed = 0;
    for (const s of this.closedSegments) closed += s.bytes;
    return closed >= this.threshold() ? closed : 0;
  }

  /** Closed segments are folded once they hold this much, and at least as much as the snapshot. */
  private threshold(): number {
    return Math.max(this.settings.compactMinBytes, this.snapshot?.bytes ?? 0);
  }

  /** Starts no more compactions; cancels the one running unless it heals damage; resolves once it has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.healing) this.compaction?.cancel();
    await this.compaction?.finished;
  }

  /** Keeps the original of a damaged file (repair.ts does the same at startup); says where. */
  private keepDamaged(name: string): string {
    try {
      const names = this.store.list();
      if (names.some((n) => n.startsWith(name + DAMAGED_SUFFIX))) return '';
      const copy = damagedName(name, names);
      this.store.keepCopy(name, copy);
      this.store.syncDirectory();
      return ` (its original is kept as ${copy})`;
    } catch (err) {
      return ` (its original could not be kept: ${(err as Error).message})`;
    }
  }

  private capturable(): boolean {
    if (this.target === null) return false;
    const totals = this.target.totals();
    return totals.items <= this.settings.captureMaxItems && totals.bytes <= this.settings.captureMaxBytes;
  }

  /** Folds the snapshot and `segments` into snapshot.<targetSeq>: from `captured`, or by reading them. */
  private start(
    segments: number[],
    targetSeq: number,
    sliceBytes: number,
    captured?: CapturedState,
    replayed?: { state: ReplayState; bytesRead: number },
  ): void {
    this.writtenSeen = this.written();
    this.compaction = new Compaction(this.store, {
      snapshotSeq: this.snapshot?.seq ?? null,
      segments,
      targetSeq,
      sliceBytes,
      written: () => {
        const now = this.written();
        const n = now - this.writtenSeen;
        this.writtenSeen = now;
        return n;
      },
      now: this.settings.clock.now(),
      captured,
      replayed,
    });
    // Never rejects: a compaction that fails resolves with kind 'failed'.
    void this.compaction.finished.then((result) => this.compacted(result));
  }

  private compacted(result: CompactionResult): void {
    // What it read is garbage now, which an idle server would keep (give-back-memory.ts).
    if (this.compaction !== null && this.compaction.readBytes >= LARGE_READ_BYTES) this.afterLargeRead();
    this.compaction = null;
    const healed = this.healing;
    this.healing = false;
    if (result.kind === 'cancelled') return;
    if (result.kind === 'failed') {
      if (result.damaged === undefined) return this.settings.warn(`journal: compaction failed: ${result.reason}`);
      const kept = this.keepDamaged(result.damaged);
      this.settings.warn(
        `journal: ${result.reason}${kept}; nothing is lost: the next snapshot is taken from memory, which holds every change`,
      );
      this.healPending = true;
      return;
    }
    if (healed) this.healPending = false;
    this.snapshot = { seq: result.seq, bytes: result.bytes };
    this.closedSegments = this.closedSegments.filter((seg) => seg.seq >= result.seq);
    const f = this.figures;
    f.compactions++;
    f.compactionMs += result.ms;
    f.lastCompactionAt = this.settings.clock.now();
    f.lastCompactionMs = result.ms;
    f.compactionMaxPauseMs = Math.max(f.compactionMaxPauseMs, result.maxPauseMs);
    if (!this.stopping) this.maybeCompact();
  }
}
