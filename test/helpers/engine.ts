/** Helpers for engine tests: a ChangeLog that records every change as a line, and item data shortcuts. */
import type { ChangeLog, Item } from '../../src/queue/types.js';

/** Records each ChangeLog call as one readable line, in order (e.g. `reserved q 3`). */
export class RecordingLog implements ChangeLog {
  readonly lines: string[] = [];

  enqueued(queue: string, id: number, flags: number, expiresAt: number, enqueuedAt: number, data: Buffer): void {
    this.lines.push(`enqueued ${queue} ${id} ${flags} ${expiresAt} ${enqueuedAt} ${data.toString('latin1')}`);
  }
  reserved(queue: string, id: number): void {
    this.lines.push(`reserved ${queue} ${id}`);
  }
  acked(queue: string, id: number): void {
    this.lines.push(`acked ${queue} ${id}`);
  }
  released(queue: string, id: number): void {
    this.lines.push(`released ${queue} ${id}`);
  }
  expired(queue: string, id: number): void {
    this.lines.push(`expired ${queue} ${id}`);
  }
  flushed(queue: string): void {
    this.lines.push(`flushed ${queue}`);
  }
  dropped(queue: string): void {
    this.lines.push(`dropped ${queue}`);
  }

  /** Returns the lines recorded since the last call. */
  take(): string[] {
    return this.lines.splice(0);
  }
}

export const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

/** An item's data as text, or null. */
export function text(item: Item | null | string): string | null {
  if (item === null) return null;
  if (typeof item === 'string') return item;
  return item.data.toString('latin1');
}
