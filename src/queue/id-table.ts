/**
 * A map from item id to a value that allocates nothing while its size stays in a range: the
 * queue's open reservations, which come and go on every get and delete.
 *
 * Why not a Map: a Map that is written and deleted from on every request reallocates its
 * backing store again and again, and at a server's request rate those young stores survive
 * scavenges and keep the garbage collector busy (a sixth of the server's CPU at depth 16).
 *
 * Open addressing with linear probing in a power-of-two table: keys in a Float64Array (ids are
 * positive integers, up to 2^53; 0 marks a free slot), values in a plain array beside it.
 * Deleting shifts the rest of its probe run back (no tombstones), so entries that come and go
 * never fill the table with dead slots. It doubles when more than half full and halves when less
 * than an eighth full (down to MIN_SLOTS): a size that moves within a factor of four allocates
 * nothing.
 */

/**
 * The smallest table: 8 slots, so an idle queue costs a couple of hundred bytes (V8 keeps a
 * typed array of up to 64 bytes inside the heap, with no separate backing store).
 */
const MIN_SLOTS = 8;
/** Knuth's multiplicative constant (2^32 / golden ratio): spreads ids that differ by a stride. */
const SPREAD = 0x9e3779b1;

export class IdTable<T> {
  private keys = new Float64Array(MIN_SLOTS);
  private values: Array<T | undefined> = new Array<T | undefined>(MIN_SLOTS).fill(undefined);
  private mask = MIN_SLOTS - 1;
  /** 32 minus log2 of the slot count: the shift that turns a spread id into a slot. */
  private shift = 32 - Math.log2(MIN_SLOTS);
  private count = 0;

  /** Entries in the table. */
  get size(): number {
    return this.count;
  }

  /** Slots allocated (for tests: it follows the size, within a factor of eight). */
  get slots(): number {
    return this.keys.length;
  }

  /** The value stored for `id`, or undefined. */
  get(id: number): T | undefined {
    const keys = this.keys;
    for (let i = this.home(id); ; i = (i + 1) & this.mask) {
      const k = keys[i];
      if (k === 0) return undefined;
      if (k === id) return this.values[i];
    }
  }

  /** Stores `value` for `id` (a positive integer), replacing any value it had. */
  set(id: number, value: T): void {
    const keys = this.keys;
    let i = this.home(id);
    for (;;) {
      const k = keys[i];
      if (k === id) {
        this.values[i] = value;
        return;
      }
      if (k === 0) break;
      i = (i + 1) & this.mask;
    }
    keys[i] = id;
    this.values[i] = value;
    if (++this.count * 2 > keys.length) this.resize(keys.length * 2);
  }

  /** Removes `id`; false when it was not there. */
  delete(id: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(id);
    for (;;) {
      const k = keys[i];
      if (k === 0) return false;
      if (k === id) break;
      i = (i + 1) & mask;
    }
    // Backward shift: each later entry of the run whose home is not between the hole and itself
    // moves into the hole, so every entry stays reachable from its home without tombstones.
    for (let j = (i + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      if (((j - this.home(keys[j])) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j];
        this.values[i] = this.values[j];
        i = j;
      }
    }
    keys[i] = 0;
    this.values[i] = undefined;
    if (--this.count * 8 < keys.length && keys.length > MIN_SLOTS) this.resize(keys.length / 2);
    return true;
  }

  private home(id: number): number {
    return Math.imul(id | 0, SPREAD) >>> this.shift;
  }

  private setSlots(slots: number): void {
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  private resize(slots: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(slots);
    this.values = new Array<T | undefined>(slots).fill(undefined);
    this.setSlots(slots);
    for (let i = 0; i < oldKeys.length; i++) {
      const id = oldKeys[i];
      if (id === 0) continue;
      let j = this.home(id);
      while (this.keys[j] !== 0) j = (j + 1) & this.mask;
      this.keys[j] = id;
      this.values[j] = oldValues[i];
    }
  }
}
