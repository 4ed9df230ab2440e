/**
 * When to compact, and what: the bookkeeping of the snapshot and the closed segments behind the
 * journal, and the choice between a snapshot taken from the engine at a segment switch (when the live
 * state is small: nothing to read) and one made by reading the files (compactor.ts does either).
 *
 * The trigger weighs what is dead: the journal's bytes less an estimate of the live state as a
 * snapshot writes it (live-size.ts). Once the dead bytes reach max(compactMinBytes, live), a
 * compaction by reading starts (or, when the dead bytes are in the segment being written, the
 * journal switches segments first); with a state small enough to capture, a segment's bytes of
 * dead make the journal switch segments early, and the switch captures it. A compaction by reading
 * thus reads at most twice what it reclaims, a push of items nobody took yet compacts nothing, and
 * the files hold at most the live state plus max(compactMinBytes, live) of dead bytes, give or take
 * a segment (docs/journal-format.md, Compaction). The rule is weighed as each segment closes, and a
 * second after the journal writes (CHECK_MS), so a queue emptied by acks, which write little,
 * shrinks the directory too.
 *
 * Healing: after damage (found at startup, or by a compaction reading a file) the next snapshot is
 * taken from the engine whatever its size: the engine holds every change, so the damaged files
 * cost nothing more once that snapshot replaces them.
 */
import { Compaction, type CapturedState, type CompactionResult, type SnapshotItem } from './compactor.js';
import type { ChainPosition } from './encoder.js';
import type { ReplayState } from './replay-state.js';
import { HEADER_BYTES } from './format.js';
import { liveSnapshotBytes } from './live-size.js';
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

/**
 * How long after a write the trigger is weighed again: often enough that a directory shrinks soon
 * after a queue empties, rarely enough that weighing (a pass over the queues) costs nothing.
 */
const CHECK_MS = 1000;

export class CompactionScheduler {
  private snapshot: { seq: number; bytes: number } | null = null;
  private closedSegments: ClosedSegment[] = [];
  private compaction: Compaction | null = null;
  /** The next snapshot is taken from the engine whatever its size: damage was found. */
  private healPending = false;
  /** The running compaction writes such a snapshot (closing waits for it rather than cancel it). */
  private healing = false;
  /** The last compaction failed (not for damage): no segment switch for compaction's sake until one succeeds. */
  private failed = false;
  /** The journal is closing: no new compaction starts. */
  private stopping = false;
  /** What `written()` returned when compaction last asked (it paces itself on the difference). */
  private writtenSeen = 0;
  private target: RestoreTarget | null = null;
  /** The timer that weighs the trigger again (CHECK_MS after a write), or null. */
  private checkTimer: unknown = null;

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
    /** Bytes of the segment being written and of the one retired, if its last fsync is pending. */
    private readonly writing: () => number,
    /** Asks the journal to switch segments now, before the current one is full. */
    private readonly switchSegment: () => void,
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
    if (this.compaction !== null || this.stopping || this.healPending || this.readingDue() === 0) return false;
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
   * Starts a compaction by reading, when the dead bytes call for one and the state is too large to
   * capture at the next segment switch (which costs no reading).
   */
  maybeCompact(): void {
    if (this.compaction !== null || this.stopping || this.healPending) return;
    const over = this.readingDue();
    if (over === 0) return;
    const segments = this.closedSegments.map((s) => s.seq);
    const sliceBytes = over > 2 ? 4 * this.settings.sliceBytes : this.settings.sliceBytes;
    this.start(segments, segments[segments.length - 1] + 1, sliceBytes);
  }

  /**
   * The journal wrote (or a compaction ended): the trigger is weighed again CHECK_MS later (once,
   * however many writes).
   */
  wrote(): void {
    if (this.checkTimer !== null || this.stopping) return;
    this.checkTimer = this.settings.clock.setTimeout(() => {
      this.checkTimer = null;
      this.check();
    }, CHECK_MS);
  }

  /**
   * Between segment switches: when enough is dead (or damage waits to be healed) and the segment
   * being written holds records, switches segments, so that the switch captures the state (small, or
   * healing) or closes the segment and starts a compaction by reading that folds it too (the acks
   * that made the items dead may be in it); with nothing in that segment, reads what is closed.
   */
  private check(): void {
    if (this.compaction !== null || this.stopping || this.failed) return;
    if (!this.healPending && this.deadOverThreshold() === 0) return;
    if (this.writing() > HEADER_BYTES) this.switchSegment();
    else this.maybeCompact();
  }

  /**
   * The dead bytes over the threshold (dead ÷ max(compactMinBytes, live), at least 1) when they call
   * for a compaction by reading: something closed to read, and the state too large to capture at
   * the next segment switch, which costs no reading; else 0.
   */
  private readingDue(): number {
    if (this.closedSegments.length === 0 || this.capturable()) return 0;
    return this.deadOverThreshold();
  }

  /**
   * The journal's dead bytes (its files' bytes less the live state's estimated snapshot size)
   * divided by the threshold when at least 1; else 0. The threshold is max(compactMinBytes, live),
   * or a segment's bytes when the state is small enough to capture: a snapshot from memory reads
   * nothing, and at every segment switch one keeps no more dead than that anyway.
   */
  private deadOverThreshold(): number {
    if (this.target === null) return 0;
    const live = liveSnapshotBytes(this.target);
    const dead = this.diskUsage().bytes + this.writing() - live;
    const threshold = this.capturable() ? this.settings.segmentBytes : Math.max(this.settings.compactMinBytes, live);
    const ratio = dead / threshold;
    return ratio >= 1 ? ratio : 0;
  }

  /** Starts no more compactions; cancels the one running unless it heals damage; resolves once it has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.checkTimer !== null) this.settings.clock.clearTimeout(this.checkTimer);
    this.checkTimer = null;
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
      if (result.damaged === undefined) {
        // Tried again as segments close, not sooner: a disk that fails would fail it every second.
        this.failed = true;
        return this.settings.warn(`journal: compaction failed: ${result.reason}`);
      }
      const kept = this.keepDamaged(result.damaged);
      this.settings.warn(
        `journal: ${result.reason}${kept}; nothing is lost: the next snapshot is taken from memory, which holds every change`,
      );
      this.healPending = true;
      this.wrote();
      return;
    }
    this.failed = false;
    if (healed) this.healPending = false;
    this.snapshot = { seq: result.seq, bytes: result.bytes };
    this.closedSegments = this.closedSegments.filter((seg) => seg.seq >= result.seq);
    const f = this.figures;
    f.compactions++;
    f.compactionMs += result.ms;
    f.lastCompactionAt = this.settings.clock.now();
    f.lastCompactionMs = result.ms;
    f.compactionMaxPauseMs = Math.max(f.compactionMaxPauseMs, result.maxPauseMs);
    if (this.stopping) return;
    this.maybeCompact();
    // What died while it ran, in the segment being written, is weighed again soon.
    this.wrote();
  }
}
