/**
 * The replies of one connection, in order, each batch held back until the journal says the changes
 * it reports are durable (group commit: many batches, from many connections, ride on one fsync).
 * What may go out is written once per event-loop turn (turn-writes.ts), in one write.
 */
import type { Durability } from './durability.js';
import { ReplyBuffer } from './reply-buffer.js';
import { writeAtEndOfTurn, type TurnWriter } from './turn-writes.js';

/**
 * A session stops running a batch's requests once the replies it has collected pass this many
 * bytes while earlier replies are still unsent (the peer is not reading, or the journal holds
 * them), and goes on from resume(). Replies copy item data, so without this bound one read of
 * `get q/peek` lines could ask for gigabytes of copies of one item.
 */
export const REPLY_HIGH_WATER = 1024 * 1024;

/**
 * Replies that may go out are written at once, not at the end of the turn, when they pass this
 * many bytes: past it one more write costs nothing worth saving, and the socket's back-pressure
 * (a full socket pauses the session) must see them while the session runs.
 */
const WRITE_AT_ONCE_BYTES = 64 * 1024;

interface HeldBatch {
  readonly data: Buffer;
  readonly position: number;
}

export class Outbox implements TurnWriter {
  /** Replies of the batch being processed. */
  readonly replies = new ReplyBuffer();
  private readonly held: HeldBatch[] = [];
  private heldTotal = 0;
  private waiting = false;
  /** Batches that may go out, in order, written at the end of the turn. */
  private readonly ready: Buffer[] = [];
  private readyTotal = 0;
  private writeArmed = false;

  constructor(
    private readonly durability: Durability,
    /** Writes bytes to the peer. */
    private readonly send: (data: Buffer) => void,
    /** The journal failed to make a batch durable: the connection must tell its client and close. */
    private readonly onJournalError: (error: Error) => void,
    /** Every held batch has been sent. */
    private readonly onFlushed: () => void = () => {},
  ) {}

  /** True while replies wait for the journal. */
  get pending(): boolean {
    return this.held.length > 0;
  }

  /**
   * Bytes of replies not yet handed to the peer: the batch being built, the batches waiting for
   * the end of the turn and those held for the journal.
   */
  get bufferedBytes(): number {
    return this.replies.length + this.readyTotal + this.heldTotal;
  }

  /** Ends a batch: its replies go out at the end of the turn if every change is durable, else once it is. */
  commit(): void {
    if (this.replies.length === 0) return;
    const data = this.replies.take();
    const position = this.durability.appended;
    if (this.held.length === 0 && position <= this.durability.durable) {
      this.ready.push(data);
      this.readyTotal += data.length;
      if (this.readyTotal >= WRITE_AT_ONCE_BYTES) this.writeNow();
      else if (!this.writeArmed) {
        this.writeArmed = true;
        writeAtEndOfTurn(this);
      }
      return;
    }
    this.held.push({ data, position });
    this.heldTotal += data.length;
    this.waitForHead();
  }

  private waitForHead(): void {
    if (this.waiting || this.held.length === 0) return;
    this.waiting = true;
    this.durability.whenDurable(this.held[0].position, this.headDurable);
  }

  /** The journal made the head batch durable, or failed. One function for every wait: no closure per batch. */
  private readonly headDurable = (error: Error | null): void => {
    this.waiting = false;
    if (error !== null) {
      // What was durable before the failure still goes out first.
      this.writeNow();
      this.discard();
      this.onJournalError(error);
      return;
    }
    // Called once per journal write (which is once per turn at most): the batches it made
    // durable go out now, behind those already ready, in one write.
    const durable = this.durability.durable;
    while (this.held.length > 0 && this.held[0].position <= durable) {
      const batch = this.held.shift()!;
      this.heldTotal -= batch.data.length;
      this.ready.push(batch.data);
      this.readyTotal += batch.data.length;
    }
    this.writeNow();
    if (this.held.length === 0) this.onFlushed();
    this.waitForHead();
  };

  /** Writes every batch that may go out, in one write. */
  writeNow(): void {
    this.writeArmed = false;
    const n = this.ready.length;
    if (n === 0) return;
    let data: Buffer;
    if (n === 1) {
      // pop(), not `length = 0`: setting an array's length is a call into V8's runtime, once per write.
      data = this.ready.pop()!;
    } else {
      data = Buffer.concat(this.ready, this.readyTotal);
      this.ready.length = 0;
    }
    this.readyTotal = 0;
    this.send(data);
  }

  /** Drops everything not yet written (the connection is closing). */
  discard(): void {
    this.held.length = 0;
    this.heldTotal = 0;
    this.ready.length = 0;
    this.readyTotal = 0;
  }
}
