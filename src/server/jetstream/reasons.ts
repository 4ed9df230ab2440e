/** What a failed JetStream request says to a client: what was being done, and why it failed. */
import { NoRespondersError } from '@nats-io/transport-node';

/** `<doing>: <why>`, from whatever the NATS client threw. */
export function reasonOf(err: unknown, doing: string): string {
  const name = (err as { name?: unknown }).name;
  if (name === 'TimeoutError') return `${doing}: no answer from JetStream in time`;
  if (name === 'JetStreamNotEnabled' || err instanceof NoRespondersError)
    return `${doing}: no JetStream server answered (a leader election, or the queue was deleted)`;
  const message = err instanceof Error ? err.message : String(err);
  return `${doing}: ${message}`;
}
