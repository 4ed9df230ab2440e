/**
 * What the server needs from the journal to hold replies until the changes they report are safe:
 * positions in the stream of changes, and a promise to call back when a position is durable
 * (per the fsync policy: written, or written and fsynced). Without a journal everything is
 * durable at once.
 */
export interface Durability {
  /** Position just after the last change appended. */
  readonly appended: number;
  /** Every change before this position is as safe as the fsync policy promises. */
  readonly durable: number;
  /**
   * Calls `done` once `durable >= position`, or with an error if the changes up to it could not be
   * written (the requests that made them must then be answered with SERVER_ERROR).
   */
  whenDurable(position: number, done: (error: Error | null) => void): void;
}

/** No journal: changes are "durable" as soon as they are made. */
export const IMMEDIATE: Durability = {
  appended: 0,
  durable: 0,
  whenDurable(_position, done) {
    done(null);
  },
};
