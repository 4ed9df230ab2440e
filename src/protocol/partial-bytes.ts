/**
 * The bytes that parsers, over all connections together, may hold for requests whose data is still
 * arriving. A parser takes a request's data as a view of the bytes read when it arrives whole; data
 * that spans reads is collected into a buffer of its announced size, allocated at once. Without a
 * shared bound, many connections each announcing a large item and sending it slowly (or never)
 * would make the server allocate without limit. Pure: a counter, shared by the parsers of a server.
 */
export class PartialBytes {
  /** Bytes held now. */
  held = 0;
  /** Requests refused because taking their data would have passed the limit. */
  refusals = 0;

  /** `limit`: bytes that may be held at once (Infinity for no bound). */
  constructor(readonly limit: number) {}

  /** Takes `n` bytes if they fit under the limit; false (and counted) when they do not. */
  take(n: number): boolean {
    if (this.held + n > this.limit) {
      this.refusals++;
      return false;
    }
    this.held += n;
    return true;
  }

  /** Gives back bytes taken earlier (the data is whole, skipped, or its connection gone). */
  give(n: number): void {
    this.held -= n;
  }
}

/** The reason a request is refused when its data would pass the limit (memcached's words first). */
export function noRoomReason(limit: number): string {
  return `out of memory storing object: too much item data arriving at once (max ${limit} bytes); try again`;
}
