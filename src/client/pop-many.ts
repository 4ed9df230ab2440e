/**
 * Popping many items over one or several servers (docs/client.md "Several servers").
 *
 * One server: a single session runs the whole pop, blocking on the server when it may wait.
 * Several: each pass takes what each server has, in turn, starting from a different server on each
 * call; when every server is empty and the pop may wait, it blocks on one server at a time for at
 * most MULTI_WAIT_SLICE_MS, so an item pushed to another server waits at most that long per server.
 */
import type { Security } from './connect.js';
import { MULTI_WAIT_SLICE_MS, WAIT_SLICE_MS } from './defaults.js';
import { RqClientError } from './errors.js';
import { wireName } from './keys.js';
import { Pipe } from './pipe.js';
import { PopSession, type Deliver } from './pop-session.js';
import { formatAddress, type Rotation, type ServerAddress } from './servers.js';

export interface PopManyOptions {
  /** Items to pop; Infinity pops until stopped (--follow). */
  readonly count: number;
  /** How long to wait for each item when the queues are empty, in ms: 0, a number, or Infinity. */
  readonly waitMs: number;
  readonly timeoutMs: number;
  /** TLS and login (connect.ts); plain TCP when absent. */
  readonly security?: Security;
  /** Aborting stops taking items: what is written is acknowledged, the rest released. */
  readonly signal?: AbortSignal;
  /** Told of each server once connected to it (`rq pop --follow` says when it is back). */
  readonly onConnected?: (server: string) => void;
}

export interface PopManyReport {
  readonly popped: number;
  /** Servers that could not be reached and were skipped. */
  readonly skipped: readonly RqClientError[];
}

export async function popMany(
  servers: readonly ServerAddress[],
  rotation: Rotation,
  queue: string,
  options: PopManyOptions,
  deliver: Deliver,
): Promise<PopManyReport> {
  const wire = wireName(queue);
  const sessions = new Map<number, PopSession | 'down'>();
  const skipped: RqClientError[] = [];
  let popped = 0;
  let active: PopSession | null = null;
  const stopAll = () => active?.stop();
  options.signal?.addEventListener('abort', stopAll, { once: true });

  const sessionFor = async (i: number): Promise<PopSession | null> => {
    const known = sessions.get(i);
    if (known !== undefined) return known === 'down' ? null : known;
    const session = new PopSession(queue, wire, deliver);
    try {
      const pipe = await Pipe.connect(
        servers[i],
        options.timeoutMs,
        {
          onReplies: (replies) => session.onReplies(replies),
          onFailure: (error) => session.onFailure(error),
        },
        options.security,
      );
      session.attach(pipe);
      sessions.set(i, session);
      options.onConnected?.(pipe.server);
      return session;
    } catch (err) {
      sessions.set(i, 'down');
      skipped.push(err instanceof RqClientError ? err : new RqClientError('unreachable', formatAddress(servers[i]), String(err)));
      return null;
    }
  };

  /** Gives one server's session a turn; returns whether the queue was empty there. */
  const popFrom = async (i: number, waitMs: number, waitSliceMs: number): Promise<boolean> => {
    const session = await sessionFor(i);
    if (session === null) return true;
    active = session;
    if (options.signal?.aborted) session.stop();
    const result = await session.start({ count: options.count - popped, waitMs, waitSliceMs });
    popped += result.popped;
    return result.empty;
  };

  const stopped = () => options.signal?.aborted === true || popped >= options.count;
  const order = rotation.popOrder();
  try {
    if (servers.length === 1) {
      await popFrom(0, options.waitMs, WAIT_SLICE_MS);
    } else {
      const waitUntil = options.waitMs === Infinity ? Infinity : Date.now() + options.waitMs;
      let allEmpty = false;
      while (!stopped()) {
        // A pass over every server without waiting.
        allEmpty = true;
        for (const i of order) {
          if (stopped()) break;
          if (!(await popFrom(i, 0, 0))) allEmpty = false;
        }
        if (!allEmpty) continue;
        if (Date.now() >= waitUntil || skipped.length === servers.length) break;
        // Everything is empty: block on each server in turn, briefly.
        let found = false;
        for (const i of order) {
          if (stopped() || Date.now() >= waitUntil) break;
          const slice = Math.min(MULTI_WAIT_SLICE_MS, waitUntil - Date.now());
          const before = popped;
          await popFrom(i, slice, slice);
          if (popped > before) {
            found = true;
            break;
          }
        }
        if (!found && Date.now() >= waitUntil) break;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
    for (const s of sessions.values()) if (s !== 'down') s.stop();
  }
  if (skipped.length === servers.length) throw skipped[0];
  return { popped, skipped };
}
