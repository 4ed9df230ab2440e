/**
 * The replies of one connection, in order, each batch held back until the journal says the changes
 * it reports are durable (group commit: many batches, from many connections, ride on one fsync).
 */
import type { Durability } from './durability.js';
import { ReplyBuffer } from './reply-buffer.js';

/**
 * A session stops running a batch's requests once the replies it has collected pass this many
 * bytes while earlier replies are still unsent (the peer is not reading, or the journal holds
 * them), and goes on from resume(). Replies copy item data, so without this bound one read of
 * `get q/peek` lines could ask for gigabytes of copies of one item.
 */
export const REPLY_HIGH_WATER = 1024 * 1024;

interface HeldBatch {
  readonly data: Buffer;
  readonly position: number;
}

export class Outbox {
  /** Replies of the batch being processed. */
  readonly replies = new ReplyBuffer();
  private readonly held: HeldBatch[] = [];
  private heldTotal = 0;
  private waiting = false;

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

  /** Bytes of replies not yet handed to the peer: the batch being built and the batches held for the journal. */
  get bufferedBytes(): number {
    return this.replies.length + this.heldTotal;
  }

  /** Ends a batch: sends its replies now if every change is durable, else when it becomes so. */
  commit(): void {
    if (this.replies.length === 0) return;
    const data = this.replies.take();
    const position = this.durability.appended;
    if (this.held.length === 0 && position <= this.durability.durable) {
      this.send(data);
      return;
    }
    this.held.push({ data, position });
    this.heldTotal += data.length;
    this.waitForHead();
  }

  private waitForHead(): void {
    if (this.waiting || this.held.length === 0) return;
    this.waiting = true;
    this.durability.whenDurable(this.held[0].position, (error) => {
      this.waiting = false;
      if (error !== null) {
        this.discard();
        this.onJournalError(error);
        return;
      }
      const durable = this.durability.durable;
      while (this.held.length > 0 && this.held[0].position <= durable) {
        const batch = this.held.shift()!;
        this.heldTotal -= batch.data.length;
        this.send(batch.data);
      }
      if (this.held.length === 0) this.onFlushed();
      this.waitForHead();
    });
  }

  /** Drops everything held (the connection is closing). */
  discard(): void {
    this.held.length = 0;
    this.heldTotal = 0;
  }
}
