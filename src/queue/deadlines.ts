/**
 * A min-heap of timed entries (lease ends, wait timeouts) with lazy cancellation:
 * a cancelled entry stays in the heap until it reaches the top, where it is dropped.
 * The engine asks it for the earliest deadline; the server keeps one timer for that.
 */
export interface Timed {
  /** Absolute time in ms. */
  readonly deadline: number;
  /** Set when the entry no longer matters (acknowledged, woken, …). */
  cancelled: boolean;
}

export class DeadlineHeap<T extends Timed> {
  private readonly heap: T[] = [];

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
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && heap[right].deadline < heap[left].deadline ? right : left;
        if (heap[child].deadline >= last.deadline) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
