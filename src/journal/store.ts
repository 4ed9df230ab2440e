/**
 * Where journal files live: a flat directory of named files. The journal needs only these few
 * operations, so that a memory store (tests, fault injection) and the file store are interchangeable
 * and pass one conformance suite (test/helpers/store-conformance.ts).
 *
 * Everything is synchronous except `StoreFile.sync`, which the hot path must not wait for: writes go
 * to the page cache in microseconds, an fsync takes a disk round trip and runs off the main thread.
 * Errors are thrown (or passed to `sync`'s callback) as Node errors with a `code` (ENOSPC, EIO, …).
 */
export interface JournalStore {
  /** Where the files are, for messages ("journal.0000000003 at offset 812"). */
  readonly location: string;
  /** Names of every file, in no particular order. */
  list(): string[];
  /** Size of a file in bytes. */
  size(name: string): number;
  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  read(name: string, position: number, length: number): Buffer;
  /**
   * Creates a new, empty file and opens it for writing. Never replaces a file: one of that name
   * makes it throw EEXIST (a journal file is never overwritten, whatever the state on disk).
   */
  create(name: string): StoreFile;
  /** Renames a file, replacing `to` if it exists (atomic on POSIX file systems). */
  rename(from: string, to: string): void;
  remove(name: string): void;
  /**
   * Makes `copy` a file with the bytes of `name` as they are now (a hard link where the file system
   * has them: the caller never changes `name` afterwards, it may only remove it). The new name is
   * made durable by the next syncDirectory.
   */
  keepCopy(name: string, copy: string): void;
  /** Cuts a file to `size` bytes and makes that durable. */
  truncate(name: string, size: number): void;
  /** Makes creations, renames and removals in the directory durable (fsync of the directory). */
  syncDirectory(): void;
  /**
   * remove and syncDirectory off the main thread, for compaction: unlinking a 16 MiB segment takes
   * ~20 ms on ext4, a pause the server must not take.
   */
  removeAsync(name: string): Promise<void>;
  renameAsync(from: string, to: string): Promise<void>;
  /** Opens a file for reads off the main thread (compaction reads a file in many pieces). */
  openReader(name: string): Promise<StoreReader>;
  syncDirectoryAsync(): Promise<void>;
}

export interface StoreReader {
  /**
   * Reads up to `length` bytes at file `position` into `into` from `offset` on (fewer at the end of
   * the file); resolves with the number read. The caller's buffer, so that a reader can reuse one.
   */
  read(into: Buffer, offset: number, position: number, length: number): Promise<number>;
  close(): Promise<void>;
}

export interface StoreFile {
  readonly name: string;
  /** Writes data[offset, offset+length) at `position` of the file. */
  write(data: Buffer, offset: number, length: number, position: number): void;
  /** write, off the main thread (compaction: a write can block for long when the kernel throttles writers). */
  writeAsync(data: Buffer, position: number): Promise<void>;
  /** Makes everything written so far durable, off the main thread; calls back once done or failed. */
  sync(done: (error: NodeJS.ErrnoException | null) => void): void;
  /** The same, blocking: for rare moments (rotation, closing, recovery). */
  syncNow(): void;
  close(): void;
}
