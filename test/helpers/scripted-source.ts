/** A StatsSource for poller tests whose replies the test decides: figures, errors, or never. */
import type { HeadItem, StatsPairs, StatsSource } from '../../src/tui/source.js';

export type Reply = StatsPairs | Error | 'hang';

export class ScriptedSource implements StatsSource {
  readonly calls: string[] = [];
  readonly peeks: Array<[string, string]> = [];
  private readonly replies = new Map<string, Reply>();
  head: HeadItem | null | Error = null;
  closed = false;

  /** Every later stats() for `server` answers `reply`. */
  answer(server: string, reply: Reply): void {
    this.replies.set(server, reply);
  }

  stats(server: string): Promise<StatsPairs> {
    this.calls.push(server);
    const r = this.replies.get(server) ?? new Error('no script');
    if (r === 'hang') return new Promise(() => {});
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
  }

  peek(server: string, queue: string): Promise<HeadItem | null> {
    this.peeks.push([server, queue]);
    return this.head instanceof Error ? Promise.reject(this.head) : Promise.resolve(this.head);
  }

  close(): void {
    this.closed = true;
  }
}

export function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
}
