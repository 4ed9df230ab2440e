/**
 * How the journal behaves: the `--fsync` setting, the options the server (or a test) passes, and the
 * defaults it falls back on, with why each has its value.
 */
import type { Clock } from '../clock.js';

/** The `--fsync` setting: when the journal's bytes are forced to disk, and so when replies may go out. */
export type FsyncPolicy =
  /** fsync before replying; one fsync serves every reply waiting for it (group commit). */
  | { readonly kind: 'always' }
  /** Reply once written (to the OS); fsync at most every `ms` milliseconds. */
  | { readonly kind: 'interval'; readonly ms: number }
  /** Reply once written; never fsync (the OS writes back when it likes). */
  | { readonly kind: 'never' };

/** Parses `always`, `never` or a whole number of milliseconds (`0` is the same as `always`). */
export function parseFsyncPolicy(text: string): FsyncPolicy | string {
  if (text === 'always') return { kind: 'always' };
  if (text === 'never') return { kind: 'never' };
  if (/^\d+$/.test(text)) {
    const ms = Number(text);
    if (ms === 0) return { kind: 'always' };
    if (ms > 3_600_000) return `--fsync ${text}: at most 3600000 ms (an hour)`;
    return { kind: 'interval', ms };
  }
  return `--fsync must be always, never or a number of milliseconds, not ${JSON.stringify(text)}`;
}

export function describeFsyncPolicy(p: FsyncPolicy): string {
  return p.kind === 'interval' ? `${p.ms}ms` : p.kind;
}

/** The real clock for the journal; its timers never keep the process alive on their own. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface JournalOptions {
  readonly fsync: FsyncPolicy;
  /** A segment is closed and a new one started past this size. */
  readonly segmentBytes?: number;
  /** A compaction is due once the journal's dead bytes reach this much, and at least the live state's size. */
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
  /** Timers and timestamps (tests pass a manual clock). */
  readonly clock?: Clock;
}

/** The options with every default filled in. */
export interface JournalSettings {
  readonly fsync: FsyncPolicy;
  readonly segmentBytes: number;
  readonly compactMinBytes: number;
  readonly sliceBytes: number;
  readonly retryMs: number;
  readonly captureMaxItems: number;
  readonly captureMaxBytes: number;
  readonly warn: (line: string) => void;
  readonly onFsync: ((seconds: number) => void) | null;
  readonly clock: Clock;
}

/** 8 MiB: small enough that compaction has work often, large enough that rotations are rare. */
const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
/**
 * 24 MiB of dead bytes (the journal's files less the live state's estimated snapshot size) before
 * compacting, and at least as many as the live state's, so that a compaction by reading reads at
 * most twice what it reclaims, and a push, which leaves nothing dead, compacts nothing (a state small
 * enough to snapshot from memory, which reads nothing, is snapshotted at a segment's bytes). The files
 * then hold at most the live state + max(24 MiB, the live state) + the segment being written (8 MiB),
 * and during a compaction by reading the new snapshot and what the server writes meanwhile too: up
 * to about three times the live state + 8 MiB (docs/journal-format.md, Compaction).
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
 * Live state small enough to snapshot straight from the engine when switching segments: copying it
 * holds the event loop a few milliseconds at most (2,560 items of 4 KiB: ~3 ms).
 */
const CAPTURE_MAX_ITEMS = 20_000;
/**
 * 32 MiB: after a read this large (startup, a compaction) the journal asks V8 to give the memory
 * back (give-back-memory.ts); below it, what a read leaves is small next to what V8's own
 * collections free anyway.
 */
export const LARGE_READ_BYTES = 32 * 1024 * 1024;
const CAPTURE_MAX_BYTES = 16 * 1024 * 1024;

export function journalSettings(options: JournalOptions): JournalSettings {
  return {
    fsync: options.fsync,
    segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
    compactMinBytes: options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES,
    sliceBytes: options.compactSliceBytes ?? DEFAULT_SLICE_BYTES,
    retryMs: options.retryMs ?? DEFAULT_RETRY_MS,
    captureMaxItems: options.captureMaxItems ?? CAPTURE_MAX_ITEMS,
    captureMaxBytes: CAPTURE_MAX_BYTES,
    warn: options.warn ?? ((line) => process.stderr.write(`rq: ${line}\n`)),
    onFsync: options.onFsync ?? null,
    clock: options.clock ?? SYSTEM_CLOCK,
  };
}
