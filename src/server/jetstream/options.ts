/**
 * How `rq serve --store nats://…` reaches its JetStream cluster and shapes the streams it makes
 * (man/rq-serve.1: the store options). Filled once from the flags and environment.
 */

export interface StoreOptions {
  /** nats:// (or tls://) URLs of one or more servers of the cluster. */
  readonly servers: readonly string[];
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** A NATS credentials file (JWT and NKey seed). */
  readonly credsFile?: string;
  /** TLS to the NATS servers: CA bundle, and a client certificate and key when they ask for one. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** Replicas of each queue's stream: 1, or 3 or 5 on a cluster (a quorum acknowledges each change). */
  readonly replicas: number;
  /**
   * How long a reservation outlives a front end that stopped answering (JetStream's ack wait): held
   * items are kept alive well within it while the front end runs, and come back after it if it dies.
   */
  readonly ackWaitMs: number;
  /** How long a request to JetStream may take before the operation fails with SERVER_ERROR. */
  readonly timeoutMs: number;
  /** The first token of every subject and stream this deployment makes (names.ts). */
  readonly prefix: string;
}

export const DEFAULT_STORE_REPLICAS = 1;
/** JetStream's own default ack wait: a dead front end's items come back within half a minute. */
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** Long enough for a stream leader election (a few seconds), short enough for a client's patience. */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;
export const DEFAULT_STORE_PREFIX = 'rq';

/** The options as `rq serve` is given them: `auto` replicas are 3 on a cluster, 1 on a single server (connect.ts). */
export type StoreRequest = Omit<StoreOptions, 'replicas'> & { readonly replicas: number | 'auto' };

/** Replicas `auto` asks for on a cluster: a quorum of 2 survives the loss of any one server. */
export const AUTO_CLUSTER_REPLICAS = 3;
