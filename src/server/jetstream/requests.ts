/**
 * Requests to JetStream on the hot path (a set's publish, a delete), answered through the front
 * end's token inbox (token-inbox.ts). nats.js's request makes, for each request, a timer, and an
 * Error even when the request succeeds (it rejects the settled promise with one); in a front end
 * doing a publish and a delete per cycle those were a tenth of its CPU. Here a request is a token,
 * its time limit is checked by the inbox's sweep, and an Error is made only for a failure: the same
 * errors as nats.js's (TimeoutError, NoRespondersError, JetStreamApiError), so that api-errors.ts
 * and reasons.ts read them alike. Each request goes out with its turn (turns.ts).
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError, TimeoutError, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { TokenInbox, type Awaiting } from './token-inbox.js';
import type { Turns } from './turns.js';

/** The status NATS answers a request with when nothing subscribes to its subject. */
const NO_RESPONDERS = 503;

export class Requests {
  private readonly inbox: TokenInbox;

  constructor(
    private readonly nc: NatsConnection,
    private readonly turns: Turns,
  ) {
    this.inbox = new TokenInbox(nc);
  }

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
    this.inbox.close();
  }

  private async request(subject: string, data: Uint8Array | string, timeoutMs: number, headers?: MsgHdrs): Promise<Msg> {
    await this.turns.next();
    return new Promise<Msg>((resolve, reject) => {
      let token = '';
      const awaiting: Awaiting = {
        deadline: Date.now() + timeoutMs,
        answered: (msg) => {
          this.inbox.end(token);
          if (msg.data.length === 0 && msg.headers?.code === NO_RESPONDERS) reject(new NoRespondersError(subject));
          else resolve(msg);
        },
        expired: () => reject(new TimeoutError()),
      };
      try {
        token = this.inbox.add(awaiting);
        this.nc.publish(subject, data, { reply: this.inbox.replyTo(token), headers });
      } catch (err) {
        if (token !== '') this.inbox.end(token);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}
