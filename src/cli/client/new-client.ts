/** Opens the client library for a command, with skipped servers reported on stderr. */
import { RqClient } from '../../client/client.js';
import type { ClientPlan } from './options.js';
import { warn } from './failure.js';

export function openClient(command: string, plan: ClientPlan): RqClient {
  return new RqClient({
    servers: plan.servers,
    timeoutMs: plan.timeoutMs,
    security: plan.security,
    onServerSkipped: (error) => warn(command, `skipping ${error.message}`),
  });
}
