/**
 * The process's limit on open file descriptors, and how many client connections it leaves room for.
 * Every connection is a descriptor: past the limit accept() fails and a client gets a reset, not the
 * error line --max-connections promises. Node raises its soft limit to the hard one when it starts,
 * so the limit read here is as high as the process can go; only the operator can raise it further
 * (`ulimit -n`, systemd's LimitNOFILE=).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Descriptors kept for the server's own use: about 25 at rest (standard streams, the event loop's,
 * the listening socket, the data dir lock, the log, the current journal segment), a few more while
 * the journal rotates and compacts, up to REFUSING_AT_ONCE sockets being turned away, and with
 * `--metrics` its listener and up to 64 connections (metrics-server.ts: MAX_METRICS_CONNECTIONS).
 */
export const RESERVED_DESCRIPTORS = 192;

/** Sockets turned away (over --max-connections) that may wait at once for their error line to be read. */
export const REFUSING_AT_ONCE = 64;

/**
 * The open-file limit in force (Infinity when unlimited), or null when it cannot be read. Linux:
 * /proc/self/limits, which needs no child process; elsewhere `ulimit -n` in a shell, which inherits
 * this process's limit.
 */
export function openFileLimit(): number | null {
  try {
    return parseProcLimits(fs.readFileSync('/proc/self/limits', 'latin1'));
  } catch {
    // not Linux: ask a shell
  }
  const sh = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'latin1', timeout: 2000 });
  return sh.status === 0 ? parseLimit(sh.stdout.trim()) : null;
}

/** The soft "Max open files" of a /proc/<pid>/limits text, or null. */
export function parseProcLimits(text: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(text);
  return m === null ? null : parseLimit(m[1]);
}

function parseLimit(value: string): number | null {
  if (value === 'unlimited') return Infinity;
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** The connections `openFiles` descriptors leave room for (at least 1). */
export function connectionsAllowedBy(openFiles: number): number {
  return Math.max(1, openFiles - RESERVED_DESCRIPTORS);
}
