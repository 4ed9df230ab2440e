/**
 * Keeps an item's lease alive while its command runs (man/rq-work.1 "Leases"): a touch every third
 * of the lease, so that a long job keeps its item however long it takes, while the item of a worker
 * that died (kill -9, a lost machine) comes back once the last lease it got ends. Two touches may
 * fail in a row (a slow server, a reconnect) before the lease runs out.
 */
import type { RqClient } from '../../client/client.js';
import type { Item } from '../../client/item.js';
import { warn } from '../client/failure.js';

export class LeaseRenewal {
  private readonly timer: NodeJS.Timeout;
  private touching: Promise<void> | null = null;
  private stopped = false;
  /** The item is no longer held: a touch found it gone (its lease had ended). */
  lost = false;

  constructor(
    private readonly client: RqClient,
    private readonly item: Item,
    private readonly leaseMs: number,
    private readonly what: string,
  ) {
    this.timer = setInterval(() => this.renew(), Math.max(1, Math.floor(leaseMs / 3)));
  }

  /** Stops renewing; resolves once a touch under way has been answered (so that it cannot follow an ack). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.touching;
  }

  private renew(): void {
    if (this.touching !== null || this.stopped || this.lost) return;
    const { queue, id, server } = this.item;
    this.touching = this.client
      .touch(queue, id, this.leaseMs, server)
      .then(
        (held) => {
          if (held || this.stopped) return;
          this.lost = true;
          warn('work', `${this.what}: its lease ended before it could be renewed; another worker may take it`);
        },
        (err: unknown) => {
          // The next renewal tries again, on a new connection: the lease has two more thirds to run.
          if (!this.stopped) warn('work', `${this.what}: could not renew its lease: ${(err as Error).message}`);
        },
      )
      .finally(() => (this.touching = null));
  }
}
