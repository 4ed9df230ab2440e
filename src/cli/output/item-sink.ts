/**
 * Where `rq pop` puts the items it takes: standard output, in the format asked for, with one rule
 * for when an item counts as delivered — and is acknowledged (rq-pop(1) "What written means"):
 *
 * - to a file or a terminal, once written;
 * - to a pipe, once the reader has read it out of the pipe (pipe-reader.ts). Items go into the pipe
 *   a few at a time: one at first, then twice as many each time the reader has read all that was
 *   there, up to MAX_WINDOW items or CHUNK_BYTES. So a reader that stops early (`head -1`, an
 *   interrupted `while read` loop) has nothing acknowledged that it did not read, and one that reads
 *   ahead in blocks (`head`) can have read at most about as many items again as it used.
 *   When rq stops (a signal, a lost connection), the items still unread in the pipe are taken back
 *   and go back to the queue. Where the pipe cannot be looked at (not Linux, no /proc, output
 *   shared with another writer), a pipe is treated as a file: written counts as delivered.
 */
import type { Item } from '../../client/item.js';
import { PartlyDelivered } from '../../client/pop-session.js';
import { OutputError } from '../client/failure.js';
import { formatItem, stdoutIsTerminal, writeOut, type FormatOptions, type ItemFormat } from './items.js';
import { PipeReader } from './pipe-reader.js';

/** Most items in the pipe at once: enough that a fast reader is never kept waiting for long. */
const MAX_WINDOW = 1024;
/** Most bytes written at once into a pipe (a pipe holds 64 KiB unless its reader asked otherwise). */
const CHUNK_BYTES = 16 * 1024;
/** Longest pause between looks at a pipe whose reader is busy, in ms. */
const MAX_PAUSE_MS = 100;

/** rq stopped (a signal, a lost connection) while items were in the pipe: the unread ones were taken back. */
export class Interrupted extends Error {
  constructor() {
    super('stopped');
    this.name = 'Interrupted';
  }
}

export class ItemSink {
  /** Items delivered so far. */
  delivered = 0;
  private pipe: PipeReader | null;
  private readonly options: FormatOptions;
  private window = 1;
  /** rq stops: no more deliveries. */
  private stopped = false;
  /** The delivery in progress is to take back what is unread and end (see takeBack). */
  private interrupting = false;
  private wake: (() => void) | null = null;
  private inProgress: Promise<void> | null = null;

  constructor(
    private readonly format: ItemFormat,
    extra?: FormatOptions['extra'],
  ) {
    this.pipe = PipeReader.forStdout();
    this.options = { terminal: stdoutIsTerminal(), extra };
  }

  /** popMany's Deliver: resolves once every item is delivered, or rejects with PartlyDelivered. */
  readonly deliver = (items: Item[]): Promise<void> => {
    const delivery = this.deliverAll(items);
    this.inProgress = delivery;
    return delivery;
  };

  /** Stops: a delivery waiting for the reader takes back what is unread and rejects; no more are made. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /**
   * The connection was lost, and the server released what it held: a delivery waiting for the
   * reader takes back what is still unread (so it is not seen twice) and ends. Later ones go on.
   */
  async takeBack(): Promise<void> {
    const delivery = this.inProgress;
    if (delivery === null) return;
    this.interrupting = true;
    this.wake?.();
    await delivery.catch(() => {});
    this.interrupting = false;
  }

  private get halting(): boolean {
    return this.stopped || this.interrupting;
  }

  private async deliverAll(items: Item[]): Promise<void> {
    let done = 0;
    while (done < items.length) {
      if (this.halting) throw new PartlyDelivered(done, new Interrupted());
      const chunk = this.pipe === null ? items.slice(done) : this.nextChunk(items, done);
      const parts = chunk.map((i) => formatItem(i, this.format, this.options));
      const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      try {
        await writeOut(bytes);
      } catch (err) {
        throw await this.readerLeft(done, err as Error);
      }
      const read = await this.readBy(parts, bytes);
      done += read.items;
      this.delivered += read.items;
      if (read.items < chunk.length) {
        throw read.stopped
          ? new PartlyDelivered(done, new Interrupted())
          : await this.readerLeft(done, new OutputError(new Error('the reader closed the pipe')));
      }
      this.window = Math.min(MAX_WINDOW, this.window * 2);
    }
  }

  /**
   * The reader left, or writing failed. When a Ctrl-C ended the whole pipeline, its SIGINT reached
   * rq at the same moment as the reader: one turn of the event loop (its poll phase reads pending
   * signals) lets the handler run first, so that rq stops as interrupted (status 130, no complaint)
   * rather than as unable to write.
   */
  private async readerLeft(done: number, err: Error): Promise<PartlyDelivered> {
    await new Promise((resolve) => setImmediate(resolve));
    return new PartlyDelivered(done, this.stopped ? new Interrupted() : err);
  }

  private nextChunk(items: Item[], from: number): Item[] {
    let end = from + 1;
    let bytes = items[from].data.length;
    while (end < items.length && end - from < this.window && bytes + items[end].data.length <= CHUNK_BYTES)
      bytes += items[end++].data.length;
    return items.slice(from, end);
  }

  /** Waits until the reader has read the chunk just written, or left, or rq stops; says how many of its items were read. */
  private async readBy(parts: Buffer[], bytes: Buffer): Promise<{ items: number; stopped: boolean }> {
    for (let look = 0; this.pipe !== null; look++) {
      const halting = this.halting;
      const seen = this.pipe.look(bytes, halting);
      if (seen === null) break; // cannot tell: the pipe counts as a file from now on
      if (seen.unread === 0) return { items: parts.length, stopped: false };
      if (!seen.readerThere || halting) return { items: fullyRead(parts, bytes.length - seen.unread), stopped: halting };
      await this.pause(look);
    }
    this.pipe = null;
    return { items: parts.length, stopped: false };
  }

  /** A pause before the next look: the next turn of the event loop at first, then up to MAX_PAUSE_MS. */
  private pause(look: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = null;
        clearTimeout(timer);
        clearImmediate(soon);
        resolve();
      };
      this.wake = done;
      const soon = look < 3 ? setImmediate(done) : undefined;
      const timer = look < 3 ? undefined : setTimeout(done, Math.min(MAX_PAUSE_MS, 2 ** (look - 3)));
    });
  }
}

/** How many of the parts lie wholly within the first `readBytes` bytes. */
function fullyRead(parts: readonly Buffer[], readBytes: number): number {
  let end = 0;
  let n = 0;
  for (const p of parts) {
    end += p.length;
    if (end > readBytes) break;
    n++;
  }
  return n;
}
