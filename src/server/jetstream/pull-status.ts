/** What JetStream's status answers to a pull mean, for a pull of one message and a batch alike. */
import type { Msg } from '@nats-io/transport-node';

/** Status codes JetStream answers a pull with when it has no (more) message for it. */
const NO_MESSAGES = 404;
const REQUEST_TIMEOUT = 408;
/** The consumer was deleted, or the pull refused (too many waiting): the description says which. */
const CONFLICT = 409;

/** A pull that does not wait is tried this many times within the time limit. */
export const NO_WAIT_ATTEMPTS = 5;

/**
 * How a status message ends a pull: null when with no (more) message (none there, the wait ran
 * out, the queue's consumer deleted), an Error when JetStream refused it, undefined when it does
 * not end it (a heartbeat or flow control, not asked for).
 */
export function pullEnd(msg: Msg): null | Error | undefined {
  const code = msg.headers?.code ?? 0;
  if (code < 400) return undefined;
  if (code === NO_MESSAGES || code === REQUEST_TIMEOUT) return null;
  const description = msg.headers?.description ?? '';
  if (code === CONFLICT && /deleted/i.test(description)) return null;
  return new Error(`JetStream answered ${code} ${description}`.trim());
}
