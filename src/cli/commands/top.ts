/** `rq top`: a live monitor of one or many servers (man/rq-top.1). Ink and React load only here, lazily. */
import type { Argv, CommandModule } from 'yargs';
import { topServers } from '../top-servers.js';

export interface TopArgs {
  server?: string;
  servers?: string;
  interval: number;
  once: boolean;
  json: boolean;
}

/** Polling faster than this buys nothing a person can read and costs the server. */
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3_600_000;

/** What is wrong with the options, in a sentence, or null. */
export function topArgsProblem(args: TopArgs): string | null {
  if (!Number.isInteger(args.interval) || args.interval < MIN_INTERVAL_MS || args.interval > MAX_INTERVAL_MS) {
    return `--interval must be a whole number of milliseconds, ${MIN_INTERVAL_MS}–${MAX_INTERVAL_MS}`;
  }
  try {
    topServers(args, process.env);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

export const topCommand: CommandModule<object, TopArgs> = {
  command: 'top',
  describe: 'Watch servers and queues live: depth, rates, age',
  builder: (y: Argv) =>
    y
      .option('server', { type: 'string', alias: 's', describe: 'Server host:port, or several separated by commas (queues are combined)', defaultDescription: '$RQ_SERVERS, $RQ_SERVER or 127.0.0.1:22133' })
      .option('servers', { type: 'string', describe: 'Same as --server' })
      .option('interval', { type: 'number', default: 1000, describe: 'Milliseconds between polls' })
      .option('once', { type: 'boolean', default: false, describe: 'Print one plain frame (polls twice, an interval apart, for rates) and exit' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one snapshot as JSON and exit' })
      .check((argv) => {
        const problem = topArgsProblem(argv as unknown as TopArgs);
        if (problem !== null) throw new Error(problem);
        return true;
      })
      .example('$0 top', 'watch the local server')
      .example('$0 top --server a:22133,b:22133', 'watch two servers, queues combined')
      .example('$0 top --once | grep jobs', 'one plain frame, for scripts and logs') as unknown as Argv<TopArgs>,
  handler: async (args) => {
    const { runTop } = await import('../run-top.js');
    await runTop(args);
  },
};
