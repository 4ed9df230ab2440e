/**
 * One server per data directory: `LOCK` holds the pid of the server using it. A lock left by a process
 * that no longer exists (kill -9, a crash) is taken over; a live one makes startup fail with a message
 * naming the pid. (Node has no flock; a pid file is what beanstalkd and kestrel users know.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_FILE } from './names.js';

export class DataDirLockedError extends Error {}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dir: string): DataDirLock {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return { release: () => releaseIfOurs(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(readOr(file, ''), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new DataDirLockedError(`data dir ${dir} is in use by another rq (pid ${pid}); stop it or choose another --data-dir`);
    }
    fs.rmSync(file, { force: true }); // stale: its process is gone
  }
  throw new DataDirLockedError(`cannot take the lock ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return fallback;
  }
}

function releaseIfOurs(file: string): void {
  if (Number.parseInt(readOr(file, ''), 10) === process.pid) fs.rmSync(file, { force: true });
}
