/**
 * Where timers and timestamps come from for the parts of rq that wait (the journal's fsync and retry
 * timers, `rq top`'s poller): the system's clock in use, a manual one in tests. The queue engine
 * needs none: time is an argument there.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
