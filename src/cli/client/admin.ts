/**
 * `rq flush` and `rq drop`, once the arguments are understood: on a terminal, say what is about to
 * go and ask first (unless --yes), as rm -i does; then `flush <queue>` or `delete_queue <queue>` on
 * every server. In a script (standard input not a terminal) nothing is asked.
 */
import readline from 'node:readline/promises';
import type { RqClient } from '../../client/client.js';
import type { AdminPlan } from '../commands/flush.js';
import { EXIT_NOTHING } from '../exit-codes.js';
import { jsonLine } from '../output/json.js';
import { writeOut } from '../output/items.js';
import { plural } from '../output/plural.js';
import { guard, warn } from './failure.js';
import { newClient } from './new-client.js';

export async function runAdmin(verb: 'flush' | 'drop', plan: AdminPlan): Promise<void> {
  const client = newClient(verb, plan);
  await guard(
    verb,
    async () => {
      try {
        if (!plan.yes && process.stdin.isTTY === true && !(await confirmed(verb, client, plan.queue))) {
          warn(verb, 'nothing done');
          process.exitCode = EXIT_NOTHING;
          return;
        }
        if (verb === 'flush') {
          await client.flush(plan.queue);
          if (plan.json)
            for (const server of client.names) await writeOut(jsonLine({ queue: plan.queue, server, flushed: true }));
          return;
        }
        const had = await client.dropQueue(plan.queue);
        if (plan.json)
          for (const [i, server] of client.names.entries())
            await writeOut(jsonLine({ queue: plan.queue, server, dropped: had[i] }));
        if (!had.includes(true)) {
          if (!plan.json) warn(verb, `no queue named ${plan.queue}`);
          process.exitCode = EXIT_NOTHING;
        }
      } finally {
        client.close();
      }
    },
    plan.timeoutMs * (plan.servers.length + 2),
  );
}

/** Says what would go and asks; true for an answer starting with y. */
async function confirmed(verb: 'flush' | 'drop', client: RqClient, queue: string): Promise<boolean> {
  let ready = 0;
  let open = 0;
  for (const s of await client.stats()) {
    const q = s.state === 'up' ? s.queues.get(queue) : undefined;
    ready += q?.items ?? 0;
    open += q?.open ?? 0;
  }
  const what =
    verb === 'flush'
      ? `remove the ${plural(ready, 'ready item')} of ${queue}`
      : `remove queue ${queue} with its ${plural(ready, 'ready item')} and ${plural(open, 'reserved item')}`;
  const ask = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await ask.question(`rq ${verb}: ${what}, for good? [y/N] `);
    return /^y/i.test(answer.trim());
  } finally {
    ask.close();
  }
}
