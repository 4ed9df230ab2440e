/**
 * Waits for a condition that no event announces (a figure inside the server, a stats reply, what a
 * terminal shows), with a deadline. Not a sleep: it checks at once, then again on every turn of the
 * event loop (or every `intervalMs`, for a check that costs a process), and returns as soon as the
 * condition holds.
 */
export interface EventuallyOptions {
  /** Give up after this long: 5 s by default. */
  readonly deadlineMs?: number;
  /** Between checks; 0 (the default) checks again on the next turn of the event loop. */
  readonly intervalMs?: number;
}

/**
 * Resolves once `check` returns (or resolves to) true; rejects past the deadline with `what`,
 * which may be a function, to describe the state at that moment.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  { deadlineMs = 5000, intervalMs = 0 }: EventuallyOptions = {},
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => (intervalMs > 0 ? setTimeout(resolve, intervalMs) : setImmediate(resolve)));
  }
}
