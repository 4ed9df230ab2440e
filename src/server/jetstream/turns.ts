/**
 * Gathers the requests a front end sends to NATS in one turn of the event loop, so that they go out
 * in one socket write. nats.js writes what was sent at the end of each task (a microtask): one write
 * per memcache connection's request otherwise, as each connection's data is its own task. A sender
 * awaits `next()`, which resolves after this turn's I/O (setImmediate), for every sender of the turn
 * at once: their sends then land in nats.js's buffer before its write, which follows them.
 */
export class Turns {
  private upcoming: Promise<void> | null = null;

  /** Resolves once the I/O of the current turn has been read. */
  next(): Promise<void> {
    this.upcoming ??= new Promise((resolve) =>
      setImmediate(() => {
        this.upcoming = null;
        resolve();
      }),
    );
    return this.upcoming;
  }
}
