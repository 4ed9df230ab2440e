/**
 * Requests to JetStream on the hot path (a set's publish, a delete), answered through one inbox
 * subscription of the front end's own. nats.js's request makes, for each request, a timer, and an
 * Error even when the request succeeds (it rejects the settled promise with one); in a front end
 * doing a publish and a delete per cycle those were a tenth of its CPU. Here a request is a token in
 * a map, its time limit is checked by one sweep for all, and an Error is made only for a failure:
 * the same errors as nats.js's (TimeoutError, NoRespondersError, JetStreamApiError), so that
 * api-errors.ts and reasons.ts read them alike. Each request goes out with its turn (turns.ts).
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import {
  createInbox,
  NoRespondersError,
  TimeoutError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import type { Turns } from './turns.js';

/** How often requests past their time limit are looked for: a time limit may run this much over. */
const SWEEP_MS = 50;
/** The status NATS answers a request with when nothing subscribes to its subject. */
const NO_RESPONDERS = 503;

interface Waiting {
  readonly subject: string;
  readonly deadline: number;
  resolve(msg: Msg): void;
  reject(err: Error): void;
}

export class Requests {
  private readonly prefix = createInbox();
  private sub: Subscription | null = null;
  private nextToken = 1;
  private readonly waiting = new Map<string, Waiting>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly turns: Turns,
  ) {}

  /**
   * A JetStream API request (or a publish to a stream): its answer, parsed from JSON; rejects
   * with JetStreamApiError when JetStream answers an error, NoRespondersError when nothing
   * answers the subject, TimeoutError past `timeoutMs`.
   */
  async json<T>(subject: string, data: Uint8Array | string, timeoutMs: number, headers?: MsgHdrs): Promise<T> {
    const msg = await this.request(subject, data, timeoutMs, headers);
    const answer = JSON.parse(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString()) as {
      error?: { code: number; err_code: number; description: string };
    };
    if (answer.error !== undefined) throw new JetStreamApiError(answer.error);
    return answer as T;
  }

  /** Rejects every request waiting (the store is closing). */
  close(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    for (const w of this.waiting.values()) w.reject(new TimeoutError());
    this.waiting.clear();
    this.sweep();
  }

  private async request(subject: string, data: Uint8Array | string, timeoutMs: number, headers?: MsgHdrs): Promise<Msg> {
    await this.turns.next();
    return new Promise<Msg>((resolve, reject) => {
      const token = String(this.nextToken++);
      try {
        this.sub ??= this.nc.subscribe(`${this.prefix}.*`, { callback: (_err, msg) => this.answered(msg) });
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.waiting.set(token, { subject, deadline: Date.now() + timeoutMs, resolve, reject });
      this.sweep();
    });
  }

  private answered(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length + 1);
    const w = this.waiting.get(token);
    if (w === undefined) return; // past its time limit
    this.waiting.delete(token);
    if (msg.data.length === 0 && msg.headers?.code === NO_RESPONDERS) w.reject(new NoRespondersError(w.subject));
    else w.resolve(msg);
  }

  /** Rejects the requests past their time limit; runs while any waits. */
  private sweep(): void {
    if (this.waiting.size === 0) {
      if (this.sweeper !== null) clearInterval(this.sweeper);
      this.sweeper = null;
      return;
    }
    if (this.sweeper !== null) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [token, w] of this.waiting) {
        if (w.deadline > now) continue;
        this.waiting.delete(token);
        w.reject(new TimeoutError());
      }
      this.sweep();
    }, SWEEP_MS);
    this.sweeper.unref();
  }
}
