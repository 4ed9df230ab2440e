/**
 * The journal store on a real directory. Writes are positional (pwrite), so a retry after a failed
 * write rewrites the same bytes at the same place; `sync` is fdatasync on the libuv thread pool
 * (enough for an append-only file: it also flushes the size).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RELEASABLE_BYTES, releasableBuffer } from '../mapped-memory.js';
import type { JournalStore, StoreFile, StoreReader } from './store.js';

export class FileStore implements JournalStore {
  constructor(readonly location: string) {}

  list(): string[] {
    return fs.readdirSync(this.location);
  }

  size(name: string): number {
    return fs.statSync(this.path(name)).size;
  }

  read(name: string, position: number, length: number): Buffer {
    const fd = fs.openSync(this.path(name), 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const n = Math.max(0, Math.min(length, size - position));
      const buf = n < RELEASABLE_BYTES ? Buffer.allocUnsafe(n) : releasableBuffer(n);
      let got = 0;
      while (got < n) {
        const r = fs.readSync(fd, buf, got, n - got, position + got);
        if (r === 0) break;
        got += r;
      }
      return got === n ? buf : buf.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  }

  create(name: string): StoreFile {
    return new File(name, fs.openSync(this.path(name), 'wx'));
  }

  rename(from: string, to: string): void {
    fs.renameSync(this.path(from), this.path(to));
  }

  remove(name: string): void {
    fs.rmSync(this.path(name), { force: true });
  }

  keepCopy(name: string, copy: string): void {
    try {
      fs.linkSync(this.path(name), this.path(copy));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') throw err;
      // No hard links here (some network and FAT file systems): a durable copy, under a temporary
      // name until it is whole (startup removes what a crash leaves of it).
      const temp = this.path(copy + '.tmp');
      fs.copyFileSync(this.path(name), temp);
      const fd = fs.openSync(temp, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, this.path(copy));
    }
  }

  truncate(name: string, size: number): void {
    const fd = fs.openSync(this.path(name), 'r+');
    try {
      fs.ftruncateSync(fd, size);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  syncDirectory(): void {
    const fd = fs.openSync(this.location, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  async openReader(name: string): Promise<StoreReader> {
    const handle = await fs.promises.open(this.path(name), 'r');
    return {
      async read(into: Buffer, offset: number, position: number, length: number): Promise<number> {
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(into, offset + got, length - got, position + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got;
      },
      close: () => handle.close(),
    };
  }

  async renameAsync(from: string, to: string): Promise<void> {
    await fs.promises.rename(this.path(from), this.path(to));
  }

  async removeAsync(name: string): Promise<void> {
    try {
      await fs.promises.unlink(this.path(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async syncDirectoryAsync(): Promise<void> {
    const handle = await fs.promises.open(this.location, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private path(name: string): string {
    return path.join(this.location, name);
  }
}

class File implements StoreFile {
  constructor(
    readonly name: string,
    private readonly fd: number,
  ) {}

  write(data: Buffer, offset: number, length: number, position: number): void {
    while (length > 0) {
      const n = fs.writeSync(this.fd, data, offset, length, position);
      offset += n;
      length -= n;
      position += n;
    }
  }

  async writeAsync(data: Buffer, position: number): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.write(this.fd, data, offset, data.length - offset, position + offset, (err, written) =>
          err ? reject(err) : resolve(written),
        ),
      );
      offset += n;
    }
  }

  sync(done: (error: NodeJS.ErrnoException | null) => void): void {
    fs.fdatasync(this.fd, done);
  }

  syncNow(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
