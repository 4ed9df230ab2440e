/**
 * Waits for a condition that no event announces (a figure inside the server reaching a value),
 * checking it on every turn of the event loop, with a deadline. Not a sleep: it returns as soon
 * as the condition holds.
 */
export async function waitFor(condition: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not true within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
