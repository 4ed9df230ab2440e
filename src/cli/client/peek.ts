/** `rq peek`, once the arguments are understood. */
import type { PeekPlan } from '../commands/peek.js';
import { EXIT_NOTHING } from '../exit-codes.js';
import { guard, warn } from './failure.js';
import { formatItems, writeOut } from './item-output.js';
import { newClient } from './new-client.js';

export async function runPeek(plan: PeekPlan): Promise<void> {
  const client = newClient('peek', plan);
  await guard('peek', async () => {
    try {
      const item = await client.peek(plan.queue);
      if (item === null) {
        warn('peek', `${plan.queue} is empty`);
        process.exitCode = EXIT_NOTHING;
        return;
      }
      await writeOut(formatItems([item], plan.format));
    } finally {
      client.close();
    }
  }, plan.timeoutMs * (plan.servers.length + 1));
}
