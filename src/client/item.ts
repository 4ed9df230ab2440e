/** What the client hands back for an item, whichever way it was fetched. */
export interface Item {
  /** The queue, as the user named it. */
  readonly queue: string;
  /** The item id, unique on its server (docs/architecture.md: one vocabulary). */
  readonly id: number;
  readonly data: Buffer;
  /** The memcache flags it was pushed with. */
  readonly flags: number;
  /** The server that holds it, as `host:port`. Ids are only unique per server. */
  readonly server: string;
  /**
   * How many times the item has been delivered (reserved), this delivery included: 1 the first
   * time; for a peeked item, the deliveries so far (docs/protocol.md: the `deliveries` option).
   */
  readonly deliveries: number;
}
