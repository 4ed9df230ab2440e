/** `rq top`: a live monitor of one or many servers (man/rq-top.1). Ink and React load only here, lazily. */
import type { Argv, CommandModule } from 'yargs';
import { CLIENT_OPTIONS, securityPlan, type SecurityPlan } from '../client/options.js';
import { topServers } from '../top/servers.js';

export interface TopArgs {
  server?: string;
  servers?: string;
  /** Seconds between polls, as top's -d (fractions allowed). */
  interval: number;
  once: boolean;
  json: boolean;
  tls?: boolean;
  'tls-ca'?: string;
  user?: string;
  password?: string;
}

/** TLS and login for the servers, as the client subcommands read them (client/options.ts). */
export function topSecurity(args: TopArgs, env: NodeJS.ProcessEnv = process.env): SecurityPlan {
  return securityPlan({ ...args, _: [] }, env);
}

/** Polling faster than this buys nothing a person can read and costs the server. */
const MIN_INTERVAL_S = 0.1;
const MAX_INTERVAL_S = 3600;

/** The poll interval in ms. */
export function intervalMs(args: TopArgs): number {
  return Math.round(args.interval * 1000);
}

/** What is wrong with the options, in a sentence, or null. */
export function topArgsProblem(args: TopArgs): string | null {
  if (!Number.isFinite(args.interval) || args.interval < MIN_INTERVAL_S || args.interval > MAX_INTERVAL_S) {
    return `--interval must be a number of seconds from ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}`;
  }
  try {
    topServers(args, process.env);
    topSecurity(args);
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
      .option('server', {
        type: 'string',
        alias: 's',
        describe: 'Server host:port, or several separated by commas (queues are combined)',
        defaultDescription: '$RQ_SERVERS, $RQ_SERVER or 127.0.0.1:22133',
      })
      .option('servers', { type: 'string', describe: 'Same as --server' })
      .option('interval', {
        type: 'number',
        alias: 'd',
        default: 1,
        requiresArg: true,
        describe: 'Seconds between polls, as top -d (fractions allowed: 0.5)',
      })
      .option('once', {
        type: 'boolean',
        default: false,
        describe: 'Print one plain frame (polls twice, an interval apart, for rates) and exit',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print one snapshot as JSON and exit' })
      .option('tls', { type: 'boolean', describe: CLIENT_OPTIONS.tls.describe })
      .option('tls-ca', { type: 'string', describe: CLIENT_OPTIONS['tls-ca'].describe, defaultDescription: '$RQ_TLS_CA' })
      .option('user', { type: 'string', describe: CLIENT_OPTIONS.user.describe, defaultDescription: '$RQ_USER' })
      .option('password', { type: 'string', describe: CLIENT_OPTIONS.password.describe, defaultDescription: '$RQ_PASSWORD' })
      .check((argv) => {
        const problem = topArgsProblem(argv);
        if (problem !== null) throw new Error(problem);
        return true;
      })
      .example('$0 top', 'watch the local server')
      .example('$0 top --server a:22133,b:22133', 'watch two servers, queues combined')
      .example('$0 top --once | grep jobs', 'one plain frame, for scripts and logs'),
  handler: async (args) => {
    const { runTop } = await import('../top/top.js');
    await runTop(args);
  },
};
