/**
 * Replies go out once per event-loop turn per connection, as redis does: everything a connection
 * answered during the turn (every read's batch, every waiter woken) is written in one write after
 * the turn's I/O callbacks. A write wakes the client, and a client woken for each small batch
 * spends its CPU (and the shared machine's) on wake-ups; one write per turn also costs the server
 * one system call instead of one per read.
 */

/** Something with replies to write at the end of the turn. */
export interface TurnWriter {
  /** Writes what it holds (it may have written it already). */
  writeNow(): void;
}

let due: TurnWriter[] = [];
let armed = false;

/** Calls `writer.writeNow()` once the current turn's I/O callbacks have run (setImmediate). */
export function writeAtEndOfTurn(writer: TurnWriter): void {
  due.push(writer);
  if (armed) return;
  armed = true;
  setImmediate(writeDue);
}

function writeDue(): void {
  armed = false;
  const writers = due;
  due = [];
  for (const w of writers) w.writeNow();
}
