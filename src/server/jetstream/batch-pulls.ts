/**
 * The pulls that do not wait (a `get` without `t=`), gathered: those of one turn of the event loop
 * from one queue go to JetStream as one pull of that many messages (`{"batch": n, "no_wait":
 * true}`), on an inbox of their own, instead of one pull each. JetStream answers with up to n
 * messages, in stream order, handed to the gets in the order they asked; when it has fewer, it
 * ends the batch with a status (no messages), and the gets left answer none. A get that gives up
 * before its message comes (its connection closed) leaves it to the next get of the batch, or it
 * is given back. The inbox stays open until JetStream has ended the batch, or for the time limit
 * after it was sent, so that a late message is given back rather than left reserved by nobody.
 */
import { createInbox, type Msg, type Subscription } from '@nats-io/transport-node';
import { storeFailed } from '../queue-ops/failures.js';
import type { QueueHandle } from './catalog.js';
import { deliveryOf } from './items.js';
import { NO_WAIT_ATTEMPTS, pullEnd } from './pull-status.js';
import type { Pull, PullResult, Pulls } from './pulls.js';

/** A get in a batch: settles once. */
interface Member {
  done: boolean;
  settle(result: PullResult): void;
}

export class BatchPulls {
  private readonly prefix = createInbox();
  private nextToken = 1;
  /** The gets of this turn, per queue (its pull subject), and the queue's stream. */
  private readonly forming = new Map<string, { stream: string; members: Member[] }>();

  constructor(private readonly pulls: Pulls) {}

  /** One message of a queue, at once: with the other gets of this turn on the same queue. */
  pull(queue: Pick<QueueHandle, 'stream' | 'nextSubject'>): Pull {
    let member!: Member;
    const result = new Promise<PullResult>((resolve) => {
      member = {
        done: false,
        settle: (r) => {
          if (member.done) return;
          member.done = true;
          resolve(r);
        },
      };
    });
    let batch = this.forming.get(queue.nextSubject);
    if (batch === undefined) {
      batch = { stream: queue.stream, members: [] };
      this.forming.set(queue.nextSubject, batch);
      void this.pulls.turns.next().then(() => this.send(queue.nextSubject));
    }
    batch.members.push(member);
    return { result, cancel: () => member.settle(null) };
  }

  private send(nextSubject: string): void {
    const batch = this.forming.get(nextSubject)!;
    this.forming.delete(nextSubject);
    const waiting = batch.members.filter((m) => !m.done);
    if (waiting.length === 0) return;
    const { nc, timeoutMs } = this.pulls;
    let delivered = 0;
    let sub: Subscription | null = null;
    const settleAll = (r: PullResult) => {
      for (const m of waiting) m.settle(r);
    };
    const close = () => {
      clearTimeout(answerTimer);
      clearTimeout(closeTimer);
      sub?.unsubscribe();
      settleAll(null);
    };
    // No answer within a fifth of the time limit: lost (a consumer leader change); the gets pull again.
    const answerTimer = setTimeout(
      () => settleAll(storeFailed('reserving: no answer from JetStream in time')),
      timeoutMs / NO_WAIT_ATTEMPTS,
    );
    const closeTimer = setTimeout(close, timeoutMs);
    const arrived = (msg: Msg) => {
      if (msg.reply !== undefined && msg.reply.startsWith('$JS.ACK.')) {
        delivered++;
        const next = waiting.find((m) => !m.done);
        if (next !== undefined && deliveryOf(msg.reply)?.stream === batch.stream) next.settle(msg);
        else this.pulls.giveBack(msg);
        if (delivered === waiting.length) close();
        return;
      }
      const end = pullEnd(msg);
      if (end === undefined) return; // a heartbeat: not asked for
      if (end instanceof Error) settleAll(storeFailed(`reserving: ${end.message}`));
      close();
    };
    try {
      sub = nc.subscribe(`${this.prefix}.${this.nextToken}`, { callback: (_err, msg) => arrived(msg) });
      nc.publish(nextSubject, `{"batch":${waiting.length},"no_wait":true}`, { reply: `${this.prefix}.${this.nextToken++}` });
    } catch (err) {
      settleAll(storeFailed(`reserving: ${(err as Error).message}`));
      close();
    }
  }
}
