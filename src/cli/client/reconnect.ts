/**
 * How `rq work` and `rq pop --follow` ride out a server restart: after a connection is lost or
 * refused they say so on stderr and try again, waiting longer after each failure (FIRST_DELAY_MS
 * doubling up to MAX_DELAY_MS, with jitter so that many workers do not return in step). What they
 * held goes back to the queue by the server's rules (a dropped connection releases its
 * reservations). `--no-reconnect` turns this off: the first failure ends the command with status 3.
 */
import { RqClientError } from '../../client/errors.js';
import { warn } from './failure.js';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;

/** True for the failures a restart causes (refused, reset, silent), not for a refused login or a protocol error. */
export function isTransient(err: unknown): err is RqClientError {
  return err instanceof RqClientError && (err.kind === 'unreachable' || err.kind === 'timeout');
}

export class Reconnect {
  private failures = 0;
  private wake: (() => void) | null = null;
  private stopped = false;
  /** The wait in progress: callers that fail meanwhile (rq work's other slots) wait with it. */
  private waiting: Promise<boolean> | null = null;

  constructor(
    private readonly command: string,
    private readonly enabled: boolean,
  ) {}

  /**
   * After `err`: when it is worth another try, says so, waits, and resolves true; false when
   * reconnecting is off, the error is not transient, or stop() was called.
   */
  retry(err: unknown): Promise<boolean> {
    if (!this.enabled || this.stopped || !isTransient(err)) return Promise.resolve(false);
    this.waiting ??= this.wait(err).finally(() => (this.waiting = null));
    return this.waiting;
  }

  private async wait(err: RqClientError): Promise<boolean> {
    this.failures++;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (this.failures - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    // Not warn(): its hints are for a first connection, and this one worked before.
    process.stderr.write(`rq ${this.command}: ${err.message}; reconnecting in ${(delay / 1000).toFixed(1)} s\n`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = null;
    return !this.stopped;
  }

  /** A request went through: says so if it follows failures, and starts the back-off afresh. */
  connected(server: string): void {
    if (this.failures === 0) return;
    warn(this.command, `connected to ${server} again`);
    this.failures = 0;
  }

  /** Ends a wait in progress; retry() then resolves false. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
