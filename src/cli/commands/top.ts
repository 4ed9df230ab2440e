/** `rq top`: a live monitor of one or many servers (man/rq-top.1). Ink and React load only here, lazily. */
import type { Argv, CommandModule } from 'yargs';
import { resolveServers } from '../top-servers.js';

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

export const topCommand: CommandModule<object, TopArgs> = {
  command: 'top',
  describe: 'Watch servers and queues live: depth, rates, age',
  builder: (y: Argv) =>
    y
      .option('server', { type: 'string', describe: 'A server as host:port (default $RQ_SERVER, else 127.0.0.1:22133)' })
      .option('servers', { type: 'string', describe: 'Several servers, comma-separated (default $RQ_SERVERS); queues are combined' })
      .option('interval', { type: 'number', default: 1000, describe: 'Milliseconds between polls' })
      .option('once', { type: 'boolean', default: false, describe: 'Print one plain frame (polls twice, an interval apart, for rates) and exit' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one snapshot as JSON and exit' })
      .check((argv) => {
        if (!Number.isInteger(argv.interval) || argv.interval < MIN_INTERVAL_MS || argv.interval > MAX_INTERVAL_MS) {
          throw new Error(`--interval must be a whole number of milliseconds, ${MIN_INTERVAL_MS}–${MAX_INTERVAL_MS}`);
        }
        resolveServers(argv as { server?: string; servers?: string }, process.env);
        return true;
      })
      .example('$0 top', 'watch the local server')
      .example('$0 top --servers a:22133,b:22133', 'watch two servers, queues combined')
      .example('$0 top --once | grep jobs', 'one plain frame, for scripts and logs') as unknown as Argv<TopArgs>,
  handler: async (args) => {
    const { runTop } = await import('../run-top.js');
    await runTop(args);
  },
};
