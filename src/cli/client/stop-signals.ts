/**
 * How the long-running client commands (`rq pop --follow`, `rq work`) stop on SIGINT and SIGTERM,
 * as shells expect of a program that cleans up first: the first signal asks the command to stop
 * (it gives back what it holds); once it has, the process ends by that same signal, so that the
 * shell reports 130 or 143 and a script interrupted with it stops too (a process that exits
 * normally after Ctrl-C tells the shell that it handled the interrupt itself). A second signal, or
 * the grace time running out, ends the process at once; what it held goes back to the queues when
 * its connections drop.
 */
import os from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof SIGNALS)[number];

/** The exit status a shell shows for a process ended by `signal`: 128 + its number. */
export function signalStatus(signal: StopSignal): number {
  return 128 + os.constants.signals[signal];
}

export class StopSignals {
  /** The first stop signal received, or null. */
  received: StopSignal | null = null;
  private readonly listeners = new Map<StopSignal, () => void>();

  /**
   * `stop` is called on the first signal. `graceMs`, when given, bounds the stop: past it the
   * process ends by the signal whatever is still under way. `onSecond` runs on a second signal,
   * just before the process ends.
   */
  constructor(stop: (signal: StopSignal) => void, { graceMs, onSecond }: { graceMs?: number; onSecond?: () => void } = {}) {
    for (const signal of SIGNALS) {
      const listener = () => {
        if (this.received !== null) {
          onSecond?.();
          return this.die(this.received);
        }
        this.received = signal;
        if (graceMs !== undefined) setTimeout(() => this.die(signal), graceMs).unref();
        stop(signal);
      };
      this.listeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  /**
   * Call when the command is done: without a signal, removes the handlers; after one, flushes
   * stdout and stderr and ends the process by it.
   */
  async finish(): Promise<void> {
    const signal = this.received;
    if (signal === null) return this.dispose();
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
    this.die(signal);
  }

  private dispose(): void {
    for (const [signal, listener] of this.listeners) process.off(signal, listener);
    this.listeners.clear();
  }

  /** Ends the process by `signal`, as if it had not been caught. */
  private die(signal: StopSignal): never {
    this.dispose();
    process.kill(process.pid, signal);
    // Still here: the signal is ignored in this process (a background job of a non-interactive shell).
    process.exit(signalStatus(signal));
  }
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}
