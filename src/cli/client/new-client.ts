/** A client library instance for a client subcommand, with skipped servers reported on stderr. */
import { RqClient } from '../../client/client.js';
import type { ClientPlan } from './options.js';
import { connectingWithTls, warn } from './failure.js';

export function newClient(command: string, plan: ClientPlan): RqClient {
  connectingWithTls(plan.security.tls);
  return new RqClient({
    servers: plan.servers,
    timeoutMs: plan.timeoutMs,
    security: plan.security,
    onServerSkipped: (error) => warn(command, `skipping ${error.message}`),
  });
}
