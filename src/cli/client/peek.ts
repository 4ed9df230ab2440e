/** `rq peek`, once the arguments are understood. */
import type { PeekPlan } from '../commands/peek.js';
import { EXIT_NOTHING } from '../exit-codes.js';
import { formatItems, stdoutIsTerminal, writeOut } from '../output/items.js';
import { guard, warn } from './failure.js';
import { newClient } from './new-client.js';

export async function runPeek(plan: PeekPlan): Promise<void> {
  const client = newClient('peek', plan);
  await guard(
    'peek',
    async () => {
      try {
        const item = await client.peek(plan.queue);
        if (item === null) {
          // With --json an empty queue is silent (docs/json.md): the status says it.
          if (!plan.json) warn('peek', `${plan.queue} is empty`);
          process.exitCode = EXIT_NOTHING;
          return;
        }
        await writeOut(formatItems([item], plan.format, { terminal: stdoutIsTerminal() }));
      } finally {
        client.close();
      }
    },
    plan.timeoutMs * (plan.servers.length + 1),
  );
}
