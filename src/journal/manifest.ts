/**
 * The manifest (`MANIFEST`): the one file that says what must be in the data directory beyond what
 * the files say of each other (docs/journal-format.md: The manifest). It names the newest segment,
 * which must be there unless a snapshot covers it (the segments before it are checked by the serials
 * of their records), and a bound on the ids issued, so that ids never go back even if the newest
 * segment is lost. It is a version 2 file header of kind 3, replaced whole: written to MANIFEST.tmp,
 * fsynced, renamed over MANIFEST, and the directory fsynced.
 */
import { decodeHeader, isHeader } from './decoder.js';
import { encodeHeader } from './encoder.js';
import { FileKind } from './format.js';
import { MANIFEST_FILE, TEMP_SUFFIX } from './names.js';
import type { JournalStore } from './store.js';

export interface Manifest {
  /** The newest segment: it must be in the directory, unless a snapshot covers it. */
  readonly newest: number;
  /** Ids below this may have been issued. */
  readonly nextId: number;
}

const TEMP = MANIFEST_FILE + TEMP_SUFFIX;

/** The manifest of `store`; null when there is none; a string when it cannot be read. */
export function readManifest(store: JournalStore): Manifest | string | null {
  let bytes: Buffer;
  try {
    if (!store.list().includes(MANIFEST_FILE)) return null;
    bytes = store.read(MANIFEST_FILE, 0, 64);
  } catch (err) {
    return `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const header = decodeHeader(bytes);
  if (!isHeader(header)) return header.problem;
  if (header.kind !== FileKind.Manifest) return `its header says kind ${header.kind}`;
  return { newest: header.seq, nextId: header.nextId };
}

/** Replaces the manifest, blocking (startup, `rq replay-journal --repair`). */
export function writeManifest(store: JournalStore, m: Manifest): void {
  store.remove(TEMP);
  const file = store.create(TEMP);
  try {
    const bytes = encodeHeader(FileKind.Manifest, m.newest, m.nextId);
    file.write(bytes, 0, bytes.length, 0);
    file.syncNow();
  } finally {
    file.close();
  }
  store.rename(TEMP, MANIFEST_FILE);
  store.syncDirectory();
}

/**
 * Replaces the manifest off the main thread while the server runs. Writes run one at a time; each
 * writes what `current()` says when it starts, so a save asked for while one runs is covered by the
 * next one, and saves asked for together share it.
 */
export class ManifestWriter {
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(
    private readonly store: JournalStore,
    private readonly current: () => Manifest,
  ) {}

  /** Resolves once a manifest at least as new as the state now is durable; rejects if writing failed. */
  save(): Promise<void> {
    if (this.queued !== null) return this.queued;
    const next = this.running
      .catch(() => {})
      .then(() => {
        this.queued = null;
        return this.writeOnce(this.current());
      });
    this.queued = next;
    this.running = next;
    return next;
  }

  /** Resolves once no write runs (whether the last one succeeded or not). */
  idle(): Promise<void> {
    return this.running.catch(() => {});
  }

  private async writeOnce(m: Manifest): Promise<void> {
    this.store.remove(TEMP);
    const file = this.store.create(TEMP);
    try {
      const bytes = encodeHeader(FileKind.Manifest, m.newest, m.nextId);
      file.write(bytes, 0, bytes.length, 0);
      await new Promise<void>((resolve, reject) => file.sync((err) => (err ? reject(err) : resolve())));
    } finally {
      file.close();
    }
    await this.store.renameAsync(TEMP, MANIFEST_FILE);
    await this.store.syncDirectoryAsync();
  }
}
