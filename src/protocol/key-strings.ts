/**
 * The strings of the keys the parsers read, reused: a worker loop sends the same few keys on every
 * request (`set q`, `get q`, `delete q`), and decoding each one anew would allocate a string per
 * request and make every lookup by key hash it again (V8 keeps a string's hash in the string).
 * Pure: bytes in, a latin1 string out, the same string object for the same bytes while it stays in
 * the table.
 *
 * The table is direct-mapped: a key's bytes hash to one slot, which holds the last key seen there.
 * A hit is a byte-for-byte comparison with that slot's string, so a cached string is only ever
 * returned for exactly its own bytes; a collision just decodes the new key and takes the slot.
 */

/** Slots in the table: many more than the keys a server's workers use at once, and a fixed cost. */
export const KEY_STRING_SLOTS = 1024;

/**
 * Keys longer than this are decoded each time, never kept: memcached's longest key. With the slot
 * count it bounds the table at about 1024 × 250 bytes, whatever keys clients send.
 */
export const MAX_KEPT_KEY_BYTES = 250;

export class KeyStrings {
  private readonly slots: (string | undefined)[];
  private readonly mask: number;

  /** `slots`: a power of two. */
  constructor(slots = KEY_STRING_SLOTS) {
    if (slots <= 0 || (slots & (slots - 1)) !== 0) throw new RangeError(`slots must be a power of two, not ${slots}`);
    this.slots = new Array<string | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
  }

  /** How many strings the table holds now: at most its slot count. */
  get kept(): number {
    let n = 0;
    for (const s of this.slots) if (s !== undefined) n++;
    return n;
  }

  /** The latin1 string of `buf[start, end)`: one kept from earlier for the same bytes when there is one. */
  get(buf: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n > MAX_KEPT_KEY_BYTES) return buf.toString('latin1', start, end);
    // FNV-1a, 32 bits: cheap, and it spreads keys that differ in one byte (q1, q2, …) over slots.
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const slot = (h ^ (h >>> 16)) & this.mask;
    const kept = this.slots[slot];
    if (kept !== undefined && kept.length === n && sameBytes(kept, buf, start)) return kept;
    const s = buf.toString('latin1', start, end);
    this.slots[slot] = s;
    return s;
  }
}

/** True when `s` (latin1, as long as the bytes) is `buf` from `start`, char by byte. */
function sameBytes(s: string, buf: Buffer, start: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

/** The table every parser of the process shares: the keys of one server's clients are one set. */
export const keyStrings = new KeyStrings();
