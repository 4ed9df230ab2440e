/**
 * A min-heap of timed entries (lease ends, wait timeouts) with lazy cancellation:
 * a cancelled entry stays in the heap until it reaches the top, where it is dropped, or until
 * cancelled entries could be most of the heap, when it is rebuilt without them (noteCancelled).
 * Without that, a worker whose `get q/t=60000` is served at once would leave an entry behind for
 * a minute, and a busy server would hold millions of them.
 * The engine asks it for the earliest deadline; the server keeps one timer for that.
 */

/** Below this many entries, cancelled ones are left to reach the top. */
const COMPACT_MIN = 1024;
export interface Timed {
  /** Absolute time in ms. */
  readonly deadline: number;
  /** Set when the entry no longer matters (acknowledged, woken, …). */
  cancelled: boolean;
}

export class DeadlineHeap<T extends Timed> {
  private heap: T[] = [];
  /** Cancellations reported since the last rebuild (an over-estimate of the cancelled entries inside). */
  private cancelledHint = 0;

  get size(): number {
    return this.heap.length;
  }

  push(entry: T): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].deadline <= entry.deadline) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  /**
   * An entry was cancelled (it may be in the heap or not: over-reporting only rebuilds sooner).
   * Rebuilds the heap without cancelled entries once they may be half of it: O(n) every n/2
   * cancellations, so O(1) amortised, and the heap stays within twice its live entries.
   */
  noteCancelled(): void {
    if (++this.cancelledHint < COMPACT_MIN || this.cancelledHint * 2 < this.heap.length) return;
    this.heap = this.heap.filter((e) => !e.cancelled);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i, this.heap[i]);
    this.cancelledHint = 0;
  }

  /** The earliest live deadline, or Infinity. Drops cancelled entries on the way. */
  next(): number {
    this.dropCancelled();
    return this.heap.length > 0 ? this.heap[0].deadline : Infinity;
  }

  /** Removes and returns the live entries due at or before `now`, earliest first. */
  popDue(now: number): T[] {
    const due: T[] = [];
    for (;;) {
      this.dropCancelled();
      if (this.heap.length === 0 || this.heap[0].deadline > now) return due;
      due.push(this.pop());
    }
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
  }

  private pop(): T {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) this.siftDown(0, last);
    return top;
  }

  /** Places `entry` at index `i` or below, moving earlier children up. */
  private siftDown(i: number, entry: T): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right].deadline < heap[left].deadline ? right : left;
      if (heap[child].deadline >= entry.deadline) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = entry;
  }
}
