/**
 * One server per data directory. `LOCK` is held with an exclusive lock on the open file (an open
 * file description lock on Linux, flock on macOS and the BSDs), which the kernel drops when the
 * process ends, however it ends: a crashed server leaves no lock behind, and two servers starting
 * together cannot both take it. The file also holds the holder's pid, for people and for the
 * refusal message; it is never removed, since a server that removed it could let a second one
 * lock a new `LOCK` while a third still held the old one.
 */
import fs from 'node:fs';
import path from 'node:path';
import fileLocks from 'fs-native-extensions';
import { LOCK_FILE } from './names.js';

export class DataDirLockedError extends Error {}

export interface DataDirLock {
  /** Clears the pid and releases the lock (idempotent). */
  release(): void;
}

/** Takes the lock of `dir` or throws DataDirLockedError naming the holder's pid. */
export function lockDataDir(dir: string): DataDirLock {
  const file = path.join(dir, LOCK_FILE);
  // Opened by libuv with O_CLOEXEC: a child process never inherits the lock.
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  let locked: boolean;
  try {
    locked = fileLocks.tryLock(fd);
  } catch (err) {
    fs.closeSync(fd);
    throw new Error(`cannot lock ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!locked) {
    const holder = describeHolder(fd);
    fs.closeSync(fd);
    throw new DataDirLockedError(`data dir ${dir} is in use by another rq (${holder}); stop it or choose another --data-dir`);
  }
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, `${process.pid}\n`, 0);
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      try {
        fs.ftruncateSync(fd, 0);
      } finally {
        fs.closeSync(fd); // drops the lock
      }
    },
  };
}

/**
 * `pid N` from the file. The holder writes its pid just after taking the lock, so for a moment the
 * file may still name the previous holder (gone) or nothing.
 */
function describeHolder(fd: number): string {
  const buf = Buffer.alloc(32);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  const pid = Number.parseInt(buf.toString('latin1', 0, n), 10);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? `pid ${pid}` : 'starting, pid not written yet';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
