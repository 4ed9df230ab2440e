/**
 * A journal store in memory, for tests: it keeps what was written apart from what was synced, so
 * `crashed()` yields the store a machine crash would leave behind, and it fails on demand (`fault`)
 * the way a full or broken disk does.
 */
import type { JournalStore, StoreFile, StoreReader } from './store.js';

interface MemFile {
  /** Bytes as written (what a reader of the live system sees). */
  data: Buffer;
  size: number;
  /** Bytes as of the last sync (what survives a crash). */
  synced: Buffer;
}

export type FaultCode = 'ENOSPC' | 'EIO';

export class MemoryStore implements JournalStore {
  readonly location: string;
  private readonly files = new Map<string, MemFile>();
  /** The directory as of the last syncDirectory: name → file. */
  private syncedDir = new Map<string, MemFile>();
  /** While set, every write, sync, create, rename and truncate fails with this code. */
  fault: FaultCode | null = null;
  /** While true, asynchronous syncs complete only at releaseSyncs() (a slow disk). */
  holdSyncs = false;
  private readonly heldSyncs: Array<() => void> = [];
  /** Counts, for tests. */
  writes = 0;
  syncs = 0;

  constructor(location = 'memory') {
    this.location = location;
  }

  list(): string[] {
    return [...this.files.keys()];
  }

  size(name: string): number {
    return this.get(name).size;
  }

  read(name: string, position: number, length: number): Buffer {
    const f = this.get(name);
    const end = Math.min(f.size, position + length);
    return Buffer.from(f.data.subarray(Math.min(position, end), end));
  }

  create(name: string): StoreFile {
    this.check('open');
    if (this.files.has(name)) {
      const err = new Error(`EEXIST: file already exists, ${name}`) as NodeJS.ErrnoException;
      err.code = 'EEXIST';
      throw err;
    }
    const file: MemFile = { data: Buffer.alloc(0), size: 0, synced: Buffer.alloc(0) };
    this.files.set(name, file);
    return new MemStoreFile(this, name, file);
  }

  rename(from: string, to: string): void {
    this.check('rename');
    const f = this.get(from);
    this.files.delete(from);
    this.files.set(to, f);
  }

  remove(name: string): void {
    this.files.delete(name);
  }

  keepCopy(name: string, copy: string): void {
    this.check('link');
    if (this.files.has(copy)) throw Object.assign(new Error(`EEXIST: file exists, ${copy}`), { code: 'EEXIST' });
    const f = this.get(name);
    // The same bytes, in a file of its own (the journal never changes `name` afterwards).
    const data = Buffer.from(f.data.subarray(0, f.size));
    this.files.set(copy, { data, size: data.length, synced: Buffer.from(f.synced) });
  }

  truncate(name: string, size: number): void {
    this.check('ftruncate');
    const f = this.get(name);
    f.size = Math.min(f.size, size);
    f.synced = Buffer.from(f.data.subarray(0, f.size));
  }

  syncDirectory(): void {
    this.check('fsync');
    this.syncedDir = new Map(this.files);
  }

  async openReader(name: string): Promise<StoreReader> {
    this.get(name);
    await new Promise((resolve) => setImmediate(resolve));
    return {
      read: async (into: Buffer, offset: number, position: number, length: number) => {
        await new Promise((resolve) => setImmediate(resolve));
        return this.read(name, position, length).copy(into, offset);
      },
      close: async () => {},
    };
  }

  async renameAsync(from: string, to: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.rename(from, to);
  }

  async removeAsync(name: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.remove(name);
  }

  async syncDirectoryAsync(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.syncDirectory();
  }

  /** Syncs waiting for releaseSyncs(). */
  get heldSyncCount(): number {
    return this.heldSyncs.length;
  }

  /** Completes the syncs held back by holdSyncs; returns how many there were. */
  releaseSyncs(): number {
    const held = this.heldSyncs.splice(0);
    for (const done of held) done();
    return held.length;
  }

  /** @internal */
  deferSync(done: () => void): void {
    if (this.holdSyncs) this.heldSyncs.push(done);
    else setImmediate(done);
  }

  /** What a machine crash now would leave: synced directory entries with their synced bytes. */
  crashed(): MemoryStore {
    const after = new MemoryStore(this.location);
    for (const [name, f] of this.syncedDir) {
      const data = Buffer.from(f.synced);
      const copy: MemFile = { data, size: data.length, synced: Buffer.from(data) };
      after.files.set(name, copy);
      after.syncedDir.set(name, copy);
    }
    return after;
  }

  /** What a process crash now would leave: everything written (the page cache survives). */
  killed(): MemoryStore {
    const after = new MemoryStore(this.location);
    for (const [name, f] of this.files) {
      const data = Buffer.from(f.data.subarray(0, f.size));
      const copy: MemFile = { data, size: data.length, synced: Buffer.from(data) };
      after.files.set(name, copy);
      after.syncedDir.set(name, copy);
    }
    return after;
  }

  /** Replaces a file's bytes (tests that damage a journal). */
  put(name: string, data: Buffer): void {
    const copy = Buffer.from(data);
    const f: MemFile = { data: copy, size: copy.length, synced: Buffer.from(copy) };
    this.files.set(name, f);
    this.syncedDir.set(name, f);
  }

  /** @internal */
  check(syscall: string): void {
    if (this.fault !== null) {
      const err = new Error(
        `${this.fault}: simulated ${this.fault === 'ENOSPC' ? 'no space left on device' : 'i/o error'}, ${syscall}`,
      ) as NodeJS.ErrnoException;
      err.code = this.fault;
      err.syscall = syscall;
      throw err;
    }
  }

  private get(name: string): MemFile {
    const f = this.files.get(name);
    if (f === undefined) {
      const err = new Error(`ENOENT: no such file, ${name}`) as NodeJS.ErrnoException;
      err.code = 'ENOENT';
      throw err;
    }
    return f;
  }
}

class MemStoreFile implements StoreFile {
  private closed = false;
  constructor(
    private readonly store: MemoryStore,
    readonly name: string,
    private readonly file: MemFile,
  ) {}

  write(data: Buffer, offset: number, length: number, position: number): void {
    this.open();
    this.store.check('write');
    this.store.writes++;
    const f = this.file;
    const end = position + length;
    if (end > f.data.length) {
      const bigger = Buffer.alloc(Math.max(end, f.data.length * 2));
      f.data.copy(bigger, 0, 0, f.size);
      f.data = bigger;
    }
    if (position > f.size) f.data.fill(0, f.size, position);
    data.copy(f.data, position, offset, offset + length);
    f.size = Math.max(f.size, end);
  }

  async writeAsync(data: Buffer, position: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.write(data, 0, data.length, position);
  }

  sync(done: (error: NodeJS.ErrnoException | null) => void): void {
    // Asynchronous like fdatasync (the caller must not rely on the callback running inline); the
    // sync happens, or fails, when it completes.
    this.store.deferSync(() => {
      let error: NodeJS.ErrnoException | null = null;
      try {
        this.syncNow();
      } catch (err) {
        error = err as NodeJS.ErrnoException;
      }
      done(error);
    });
  }

  syncNow(): void {
    this.open();
    this.store.check('fdatasync');
    this.store.syncs++;
    this.file.synced = Buffer.from(this.file.data.subarray(0, this.file.size));
  }

  close(): void {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) {
      const err = new Error('EBADF: file is closed') as NodeJS.ErrnoException;
      err.code = 'EBADF';
      throw err;
    }
  }
}
