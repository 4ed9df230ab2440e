/**
 * Item ids: they only grow, across restarts too, so an acknowledged item's id never names another.
 *
 * Ids are handed out in blocks: before an id is issued, the ChangeLog records a bound (`nextId`) past
 * it, so that a restart, which starts at the highest bound recorded, never issues an id again, even
 * one whose item left no record (a set that expired on arrival) or whose record was lost. The bound
 * moves a block ahead once fewer than half a block of ids remain below it: it is recorded long
 * before the ids near it are used (half a block is more ids than any server issues while one fsync
 * or one manifest write is in flight). A restart skips at most two blocks of ids.
 */
import type { ChangeLog } from './types.js';

const ID_BLOCK = 1 << 20;

export class Ids {
  private nextId = 1;
  /** Ids below this may be issued: the bound last recorded with changes.nextId. */
  private bound = 0;

  /** `changes` hears of each new bound before any id near it is issued. */
  constructor(private readonly changes: ChangeLog) {}

  /** The id the next item will get. */
  get next(): number {
    return this.nextId;
  }

  /** Every id issued so far is below this, and every id issued before the next changes.nextId. */
  get ceiling(): number {
    return Math.max(this.bound, this.nextId);
  }

  /** The next id; records a new bound first when fewer than half a block are left below it. */
  issue(): number {
    const id = this.nextId++;
    if (this.nextId > this.bound - ID_BLOCK / 2) this.changes.nextId(this.raiseCeiling());
    return id;
  }

  /** Raises the next id to `next` if it is below (replay: ids seen, bounds recorded). */
  advance(next: number): void {
    if (next > this.nextId) this.nextId = next;
  }

  /** Moves the bound a block past the next id without telling the ChangeLog, and returns it. */
  raiseCeiling(): number {
    this.bound = (Math.floor(this.nextId / ID_BLOCK) + 2) * ID_BLOCK;
    return this.bound;
  }
}
