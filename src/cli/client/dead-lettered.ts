/**
 * What the CLI says of an item that the server moved to its dead queue when it was given back (the
 * release's outcome: rq serve --max-deliveries), one wording for rq work, rq release and rq pop.
 */
import { deadQueueName } from '../../queue-name.js';

/** `that was its last delivery (…): moved to <queue>.dead`, to follow what happened to the item. */
export function deadLetteredNews(queue: string): string {
  return `that was its last delivery (rq serve --max-deliveries): moved to ${deadQueueName(queue)}`;
}
