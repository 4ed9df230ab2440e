/** Engine + journal on a store, for journal tests: no server, no sockets, time passed in. */
import { Journal, type JournalOptions } from '../../src/journal/journal.js';
import type { JournalStore } from '../../src/journal/store.js';
import { QueueEngine } from '../../src/queue/engine.js';
import { UNLIMITED, type QueueLimits } from '../../src/queue/limits.js';
import { T0 } from './engine.js';

export { T0 };

export interface Journaled {
  readonly engine: QueueEngine;
  readonly journal: Journal;
  readonly warnings: string[];
}

export function openEngine(
  store: JournalStore,
  options: Partial<JournalOptions> = {},
  now = T0,
  limits: Partial<QueueLimits> = {},
): Journaled {
  const warnings: string[] = [];
  const journal = new Journal(store, { fsync: { kind: 'always' }, warn: (w) => warnings.push(w), ...options });
  const engine = new QueueEngine({ ...UNLIMITED, maxOpen: 100, ...limits }, journal);
  journal.restore(engine, now);
  return { engine, journal, warnings };
}

/** Resolves once everything appended so far is durable (rejects on a journal error). */
export function settled(journal: Journal): Promise<void> {
  return new Promise((resolve, reject) => journal.whenDurable(journal.appended, (err) => (err ? reject(err) : resolve())));
}

/** Reserves every ready item of `queue` with a fresh holder and returns their data as strings. */
export function drain(engine: QueueEngine, queue: string, now = T0): string[] {
  const h = engine.newHolder();
  const out: string[] = [];
  for (;;) {
    const item = engine.reserve(h, queue, now);
    if (item === null || item === 'too_many_open') return out;
    out.push(item.data.toString());
    engine.ackById(queue, item.id);
  }
}

/** The ready items of a queue as strings, head first, without changing anything. */
export function contents(engine: QueueEngine, queue: string): string[] {
  return [...engine.readyItems(queue)].map((i) => i.data.toString());
}
