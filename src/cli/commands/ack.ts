/** `rq ack`: acknowledges reserved items by id (man/rq-ack.1). Its arguments are shared with `rq release` and `rq touch`. */
import { wireName } from '../../client/keys.js';
import { CLIENT_OPTIONS, clientPlan, stringArg, type ClientPlan } from '../client/options.js';
import { UsageError, variadic, type CommandSpec } from '../command-spec.js';
import { parseItemRef, type ItemRef } from '../client/item-ref.js';

export interface EndPlan extends ClientPlan {
  readonly queue: string;
  readonly items: readonly ItemRef[];
  /** `rq release --delay`: ms until a released item is ready again; 0 = at once. */
  readonly delayMs: number;
  /** `rq touch --lease`: the new lease, in ms. */
  readonly leaseMs: number;
}

export function endPlan(raw: Parameters<CommandSpec<EndPlan>['plan']>[0]): EndPlan {
  const client = clientPlan(raw);
  const queue = stringArg(raw, 'queue');
  wireName(queue);
  const ids = variadic(raw, 'ids');
  if (ids.length === 0) throw new UsageError('give at least one item id');
  return { ...client, queue, items: ids.map((t) => parseItemRef(t, client.servers)), delayMs: 0, leaseMs: 0 };
}

export const END_POSITIONALS = [
  { name: 'queue', describe: 'Queue name' },
  { name: 'ids', describe: 'Item ids, as rq pop --lease wrote them (its --id-file, or the id of --json)', variadic: true },
] as const;

export const ackSpec: CommandSpec<EndPlan> = {
  name: 'ack',
  describe: 'Acknowledge reserved items by id: they are done and leave the queue',
  positionals: END_POSITIONALS,
  options: CLIENT_OPTIONS,
  examples: [
    ['$0 ack jobs 42', 'acknowledge item 42 of jobs'],
    [
      '$0 pop jobs --lease 60 --id-file id > job.txt && ./work < job.txt && $0 ack jobs "$(cat id)"',
      'lease, work, then acknowledge',
    ],
  ],
  plan: endPlan,
  run: async (plan) => {
    const { runEnd } = await import('../client/end.js');
    await runEnd('ack', plan);
  },
};
