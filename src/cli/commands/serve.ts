/** `rq serve`: runs the server (man/rq-serve.1). */
import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { MAX_ITEM_BYTES } from '../../journal/format.js';
import { parseFsyncPolicy } from '../../journal/policy.js';
import { DEFAULT_FSYNC, DEFAULT_HOST, DEFAULT_MAX_ITEM_SIZE, DEFAULT_MAX_OPEN, DEFAULT_PORT } from '../../server/defaults.js';
import { withMetricsOptions, type MetricsArgs } from '../serve/metrics-options.js';
import { withStoreOptions, type StoreArgs } from '../serve/store-options.js';
import { withTrustOptions, type TrustArgs } from '../serve/trust-options.js';

export interface ServeArgs extends TrustArgs, StoreArgs, MetricsArgs {
  host: string;
  port: number;
  'data-dir': string;
  'max-item-size': number;
  'max-open': number;
  fsync: string;
  journal: boolean;
}

/** Where the journal lives unless --data-dir says otherwise: the XDG data directory. */
export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'rq');
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the queue server',
  builder: (y: Argv) =>
    withMetricsOptions(
      withStoreOptions(
        withTrustOptions(
          y
            .option('host', { type: 'string', default: DEFAULT_HOST, describe: 'Address to listen on (loopback by default)' })
            .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'Port to listen on; 0 picks a free one' })
            .option('data-dir', {
              type: 'string',
              default: defaultDataDir(),
              defaultDescription: '$XDG_DATA_HOME/rq',
              describe: 'Directory of the journal',
            })
            .option('max-item-size', { type: 'number', default: DEFAULT_MAX_ITEM_SIZE, describe: 'Largest item in bytes' })
            .option('max-open', {
              type: 'number',
              default: DEFAULT_MAX_OPEN,
              describe: 'Open reservations per connection and queue',
            })
            .option('fsync', {
              type: 'string',
              default: DEFAULT_FSYNC,
              describe: 'When to fsync the journal: always (before replying), <ms> (at most every ms, replies before), never',
            })
            .option('journal', {
              type: 'boolean',
              default: true,
              describe: 'Keep a journal in --data-dir (--no-journal: memory only, everything is lost on exit)',
            })
            .check((argv) => {
              const fsync = parseFsyncPolicy(argv.fsync);
              if (typeof fsync === 'string') throw new Error(fsync);
              if (!Number.isInteger(argv.port) || argv.port < 0 || argv.port > 65535) throw new Error('--port must be 0–65535');
              if (!Number.isInteger(argv['max-item-size']) || argv['max-item-size'] < 1)
                throw new Error('--max-item-size must be a positive whole number of bytes');
              if (argv.journal && (argv as { store?: string }).store === undefined && argv['max-item-size'] > MAX_ITEM_BYTES) {
                throw new Error(
                  `--max-item-size ${argv['max-item-size']} is more than the journal can record (at most ${MAX_ITEM_BYTES} bytes); use a smaller size, or --no-journal`,
                );
              }
              if (!Number.isInteger(argv['max-open']) || argv['max-open'] < 1)
                throw new Error('--max-open must be a positive whole number');
              return true;
            }),
        ),
      ),
    )
      .example('$0 serve', 'listen on 127.0.0.1:22133')
      .example('$0 serve --port 0 --data-dir /tmp/rq', 'any free port, journal in /tmp/rq')
      .example('$0 serve --fsync 50', 'reply before fsync; fsync at most every 50 ms')
      .example(
        '$0 serve --store nats://n1:4222,nats://n2:4222,nats://n3:4222',
        'a front end on a JetStream cluster (docs/scale-out.md)',
      )
      .example('$0 serve --metrics 127.0.0.1:9133', 'serve Prometheus metrics on http://127.0.0.1:9133/metrics')
      .example(
        '$0 serve --host 0.0.0.0 --auth-file /etc/rq/users --tls-cert cert.pem --tls-key key.pem',
        'reachable from other machines: logins over TLS',
      ),
  handler: async (args) => {
    const { runServe } = await import('../serve/serve.js');
    await runServe(args);
  },
};
