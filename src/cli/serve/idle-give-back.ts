/**
 * Gives back the young generation a burst of work grew, once the server has gone idle.
 *
 * Why: V8 grows its young generation under load (a push of a million items leaves 8 MB of it
 * committed, against 1 MB after a low-memory collection) and shrinks it only in a collection, which
 * an idle server never runs. The journal asks for one after a large read (giveBackMemory); a
 * server without a journal, or one that took a burst too small for that, kept it for good:
 * 8 bytes per item of the 84 it cost after a push of a million 64-byte items with --no-journal
 * (bench/RESULTS.md: Memory floor).
 *
 * How: every CHECK_MS the server's own CPU time is sampled; when it used almost none (it is idle)
 * while the young generation is larger than V8 leaves it after a low-memory collection, it asks
 * for one. Never under load, so the pause (a few ms with a small JS heap) delays no request that
 * waits; at most once per grown young generation.
 */
import v8 from 'node:v8';
import { giveBackMemory } from '../../give-back-memory.js';

/** 5 s: within 10 s of the end of a burst, the memory is given back. */
const CHECK_MS = 5_000;
/** Idle: under 1 % of a core over the last check. */
const IDLE_CPU_SHARE = 0.01;
/** V8 leaves 1 MB of young generation after a low-memory collection; past 4 MB it grew under load. */
const GROWN_YOUNG_BYTES = 4 * 1024 * 1024;

/** Whether to ask for a collection: idle over the last `elapsedMs`, and the young generation grown. */
export function shouldGiveBack(cpuMs: number, elapsedMs: number, youngBytes: number): boolean {
  return cpuMs < elapsedMs * IDLE_CPU_SHARE && youngBytes > GROWN_YOUNG_BYTES;
}

/** The committed size of V8's young generation, in bytes. */
function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Starts the checks; they never keep the process alive. */
export function giveBackWhenIdle(): void {
  let last = process.cpuUsage();
  let at = performance.now();
  setInterval(() => {
    const cpu = process.cpuUsage(last);
    const now = performance.now();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (shouldGiveBack(cpuMs, now - at, youngGenerationBytes())) giveBackMemory();
    last = process.cpuUsage();
    at = now;
  }, CHECK_MS).unref();
}
