/**
 * The pulls that do not wait (a `get` without `t=`), gathered: those of one turn of the event loop
 * from one queue go to JetStream as one pull of that many messages (`{"batch": n, "no_wait":
 * true}`), instead of one pull each, all through one token inbox of the front end (token-inbox.ts).
 * JetStream answers with up to n messages, in stream order, handed to the gets in the order they
 * asked; when it has fewer, it ends the batch with a status on the batch's token (no messages), and
 * the gets left answer none. A message names its stream, not its pull, so it goes to the oldest
 * batch of its queue with a get still waiting: gets asked earlier get earlier items, whichever of
 * two batches of the queue JetStream meant it for. A get that gives up before its message comes
 * (its connection closed) leaves it to the next get; a message no get waits for is given back, so
 * that no item stays reserved by nobody.
 */
import type { Msg } from '@nats-io/transport-node';
import { storeFailed } from '../queue-ops/failures.js';
import type { QueueHandle } from './catalog.js';
import { deliveryOf } from './items.js';
import { NO_WAIT_ATTEMPTS, pullEnd } from './pull-status.js';
import type { Pull, PullResult, Pulls } from './pulls.js';
import { TokenInbox, type Awaiting } from './token-inbox.js';

/** A get in a batch: settles once. */
interface Member {
  done: boolean;
  settle(result: PullResult): void;
}

/** A batch sent: its gets, until each has settled or JetStream has ended it. */
class Batch implements Awaiting {
  constructor(
    readonly stream: string,
    readonly members: Member[],
    readonly deadline: number,
    private readonly end: () => void,
  ) {}

  /** Hands `msg` to its first get still waiting; false when none waits. */
  take(msg: Msg): boolean {
    const next = this.members.find((m) => !m.done);
    if (next === undefined) return false;
    next.settle(msg);
    if (this.members.every((m) => m.done)) this.end();
    return true;
  }

  answered(msg: Msg): void {
    const end = pullEnd(msg);
    if (end === undefined) return; // a heartbeat: not asked for
    this.end();
    this.settleAll(end === null ? null : storeFailed(`reserving: ${end.message}`));
  }

  /** No answer within a fifth of the time limit: lost (a consumer leader change); the gets pull again. */
  expired(): void {
    this.settleAll(storeFailed('reserving: no answer from JetStream in time'));
  }

  settleAll(result: PullResult): void {
    for (const m of this.members) m.settle(result);
  }
}

export class BatchPulls {
  private readonly inbox: TokenInbox<Batch>;
  /** The gets of this turn, per queue (its pull subject), and the queue's stream. */
  private readonly forming = new Map<string, { stream: string; members: Member[] }>();

  constructor(private readonly pulls: Pulls) {
    this.inbox = new TokenInbox<Batch>(pulls.nc, (msg) => this.delivered(msg));
  }

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
    let forming = this.forming.get(queue.nextSubject);
    if (forming === undefined) {
      forming = { stream: queue.stream, members: [] };
      this.forming.set(queue.nextSubject, forming);
      void this.pulls.turns.next().then(() => this.send(queue.nextSubject));
    }
    forming.members.push(member);
    return { result, cancel: () => member.settle(null) };
  }

  private send(nextSubject: string): void {
    const forming = this.forming.get(nextSubject)!;
    this.forming.delete(nextSubject);
    const waiting = forming.members.filter((m) => !m.done);
    if (waiting.length === 0) return;
    let token = '';
    const deadline = Date.now() + this.pulls.timeoutMs / NO_WAIT_ATTEMPTS;
    const batch = new Batch(forming.stream, waiting, deadline, () => this.inbox.end(token));
    try {
      token = this.inbox.add(batch);
      this.pulls.nc.publish(nextSubject, `{"batch":${waiting.length},"no_wait":true}`, { reply: this.inbox.replyTo(token) });
    } catch (err) {
      if (token !== '') this.inbox.end(token);
      batch.settleAll(storeFailed(`reserving: ${(err as Error).message}`));
    }
  }

  /**
   * A message JetStream delivered (under its stream's subject), or a late status: the message goes
   * to the oldest batch of its queue with a get waiting, else back.
   */
  private delivered(msg: Msg): void {
    if (msg.reply === undefined || !msg.reply.startsWith('$JS.ACK.')) return; // a status of a batch that ended
    const stream = deliveryOf(msg.reply)?.stream;
    for (const batch of this.inbox.waiting()) if (batch.stream === stream && batch.take(msg)) return;
    this.pulls.giveBack(msg);
  }
}
