/**
 * The segment after the current one, made ready ahead of time so that switching to it blocks on
 * nothing: created with its header, fsynced, the directory fsynced, and then named in the manifest
 * as the newest segment (manifest.ts) before any record goes into it; all off the main thread where
 * it can be. A failure leaves the journal writing on in the current segment and is retried later.
 */
import type { ManifestWriter } from './manifest.js';
import { segmentName } from './names.js';
import type { JournalSettings } from './policy.js';
import type { JournalStore, StoreFile } from './store.js';

export interface ReadySegment {
  readonly file: StoreFile;
  readonly seq: number;
  readonly size: number;
}

export class NextSegment {
  /** Created and durable; `named` once the manifest names it. */
  private made: (ReadySegment & { named: boolean }) | null = null;
  private preparing = false;
  /** After a failure, not before this time (a full disk must not turn every write into a warning). */
  private againAt = 0;
  private idleWaiters: Array<() => void> = [];
  /** The highest segment number created and durable (what the manifest names as the newest). */
  newest = 0;

  constructor(
    private readonly store: JournalStore,
    private readonly settings: JournalSettings,
    private readonly manifest: ManifestWriter,
    /** The header of segment `seq`. */
    private readonly header: (seq: number) => Buffer,
    /** Called when a segment becomes ready. */
    private readonly onReady: () => void,
  ) {}

  /** The ready segment, or null. */
  get ready(): ReadySegment | null {
    return this.made !== null && this.made.named ? this.made : null;
  }

  /** Bytes of a segment made but not yet used. */
  get bytes(): number {
    return this.made?.size ?? 0;
  }

  /** Starts making segment `seq` ready, unless it is ready or being made, or a failure was too recent. */
  prepare(seq: number): void {
    if (this.ready !== null || this.preparing || this.settings.clock.now() < this.againAt) return;
    this.preparing = true;
    if (this.made !== null) return this.name(this.made); // made earlier; the manifest failed then
    const name = segmentName(seq);
    let file: StoreFile;
    try {
      file = this.store.create(name);
      const head = this.header(seq);
      file.write(head, 0, head.length, 0);
    } catch (err) {
      return this.failed(seq, err as Error, () => this.store.remove(name));
    }
    file.sync((err) => {
      if (err !== null) return this.failed(seq, err, () => (file.close(), this.store.remove(name)));
      this.store.syncDirectoryAsync().then(
        () => {
          this.made = { file, seq, size: this.store.size(name), named: false };
          this.newest = Math.max(this.newest, seq);
          this.name(this.made);
        },
        (e: Error) => this.failed(seq, e, () => (file.close(), this.store.remove(name))),
      );
    });
  }

  /** Hands the ready segment over (the journal writes to it from now on). */
  take(): ReadySegment {
    const ready = this.ready!;
    this.made = null;
    return ready;
  }

  /** Resolves once no preparation is running. */
  async idle(): Promise<void> {
    while (this.preparing) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Closes a segment made and not used: it stays, holding no record (the next startup removes it). */
  close(): void {
    try {
      this.made?.file.close();
    } catch {
      // closing is best effort
    }
  }

  private name(made: { seq: number; named: boolean }): void {
    this.manifest.save().then(
      () => {
        made.named = true;
        this.done();
        this.onReady();
      },
      // The segment stays: the manifest may name it already. Naming it is retried later.
      (err: Error) => this.failed(made.seq, err, () => {}),
    );
  }

  private failed(seq: number, err: Error, undo: () => void): void {
    try {
      undo();
    } catch {
      // a leftover segment holding no record is removed at startup
    }
    this.againAt = this.settings.clock.now() + this.settings.retryMs;
    this.done();
    this.settings.warn(
      `journal: cannot prepare segment ${seq}: ${err.message}; writing on in segment ${seq - 1}, retrying in ${this.settings.retryMs} ms`,
    );
  }

  private done(): void {
    this.preparing = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
