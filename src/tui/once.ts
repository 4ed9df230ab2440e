/**
 * `rq top --once` / `--json` and `rq top` without a terminal: poll, wait one interval, poll again
 * (rates need two samples of the same run), and return the snapshot. A server that fails shows as
 * down with "–" figures; nothing is guessed. No React here.
 */
import { Poller, realClock, type Clock } from './poller.js';
import type { Snapshot } from './snapshot.js';
import type { StatsSource } from './source.js';

export interface OnceOptions {
  readonly servers: readonly string[];
  readonly source: StatsSource;
  readonly intervalMs: number;
  readonly clock?: Clock;
}

export async function pollTwice(options: OnceOptions): Promise<Snapshot> {
  const clock = options.clock ?? realClock;
  const poller = new Poller({ ...options, clock });
  await poller.tick();
  // Waiting for rates only makes sense if someone answered.
  if (poller.getSnapshot().servers.some((s) => s.state === 'up')) {
    await new Promise<void>((resolve) => clock.setTimeout(resolve, options.intervalMs));
    await poller.tick();
  }
  return poller.getSnapshot();
}
