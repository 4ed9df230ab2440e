/** Starts the server for `rq serve`, prints where it listens, and stops it cleanly on SIGINT/SIGTERM. */
import fs from 'node:fs';
import { RqServer } from '../server/server.js';
import { VERSION } from '../version.js';
import type { ServeArgs } from './commands/serve.js';

export async function runServer(args: ServeArgs): Promise<void> {
  fs.mkdirSync(args['data-dir'], { recursive: true });
  const server = new RqServer({
    host: args.host,
    port: args.port,
    limits: { maxItemSize: args['max-item-size'], maxOpen: args['max-open'] },
  });
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    process.stderr.write(`rq serve: cannot listen on ${args.host}:${args.port}: ${(err as Error).message}\n`);
    process.exit(3);
  }
  const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
  process.stdout.write(`rq ${VERSION} listening on ${shown}:${address.port} (data dir ${args['data-dir']})\n`);
  const stop = (signal: string) => {
    process.stderr.write(`rq serve: ${signal}, stopping\n`);
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
