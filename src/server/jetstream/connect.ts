/**
 * Opens the JetStream store of `rq serve --store`: connects to the NATS servers, and checks before
 * serving anything that they can hold rq's queues (JetStream on, a cluster when replicas are asked
 * for, a payload limit that fits rq's items). Every problem is a StoreSetupError saying what to fix,
 * which `rq serve` reports with exit status 2.
 */
import fs from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Logger } from '../log.js';
import type { QueueLimits } from '../../queue/limits.js';
import { AUTO_CLUSTER_REPLICAS, type StoreOptions, type StoreRequest } from './options.js';
import { JetStreamStore } from './store.js';
import { VERSION } from '../../version.js';

export class StoreSetupError extends Error {}

/** How long start-up waits for the first connection before it gives up. */
const CONNECT_TIMEOUT_MS = 5_000;

function connectOptions(options: StoreRequest): NodeConnectionOptions {
  const o: NodeConnectionOptions = {
    servers: [...options.servers],
    name: `rq ${VERSION}`,
    timeout: CONNECT_TIMEOUT_MS,
    // Once serving, keep trying for ever: changes are refused (SERVER_ERROR) while it is down.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // nats.js otherwise makes an Error per request up front, for a stack trace of where a
    // request that fails was sent: a sixth of the front end's CPU per cycle, for a trace rq
    // never shows (a failure is reported by its message).
    noAsyncTraces: true,
  };
  if (options.user !== undefined) o.user = options.user;
  if (options.password !== undefined) o.pass = options.password;
  if (options.token !== undefined) o.token = options.token;
  if (options.credsFile !== undefined) {
    let creds: Buffer;
    try {
      creds = fs.readFileSync(options.credsFile);
    } catch (err) {
      throw new StoreSetupError(`cannot read --store-creds ${options.credsFile}: ${(err as Error).message}`);
    }
    o.authenticator = credsAuthenticator(new Uint8Array(creds));
  }
  if (options.tls !== undefined) {
    for (const [flag, file] of [
      ['--store-tls-ca', options.tls.ca],
      ['--store-tls-cert', options.tls.cert],
      ['--store-tls-key', options.tls.key],
    ] as const) {
      if (file !== undefined && !fs.existsSync(file)) throw new StoreSetupError(`cannot read ${flag} ${file}: no such file`);
    }
    o.tls = { caFile: options.tls.ca, certFile: options.tls.cert, keyFile: options.tls.key };
  }
  return o;
}

/** Connects and checks; the store is ready to serve when this resolves. */
export async function openJetStream(request: StoreRequest, limits: QueueLimits, log: Logger): Promise<JetStreamStore> {
  const where = request.servers.join(',');
  let nc: NatsConnection;
  try {
    nc = await connect(connectOptions(request));
  } catch (err) {
    if (err instanceof StoreSetupError) throw err;
    throw new StoreSetupError(`cannot connect to --store ${where}: ${describe(err)}`);
  }
  try {
    let jsm;
    try {
      jsm = await jetstreamManager(nc, { timeout: request.timeoutMs });
    } catch (err) {
      throw new StoreSetupError(
        `the NATS servers at ${where} do not serve JetStream (${describe(err)}): start nats-server with JetStream on (-js, or a jetstream {} block)`,
      );
    }
    const info = nc.info;
    const clustered = info?.cluster !== undefined;
    const replicas = request.replicas === 'auto' ? (clustered ? AUTO_CLUSTER_REPLICAS : 1) : request.replicas;
    const options: StoreOptions = { ...request, replicas };
    if (options.replicas > 1 && !clustered) {
      throw new StoreSetupError(
        `--store-replicas ${options.replicas} needs a JetStream cluster; ${where} is a single server (use --store-replicas 1)`,
      );
    }
    log.info('store connected', {
      servers: where,
      server: info?.server_name ?? '?',
      version: info?.version ?? '?',
      replicas: options.replicas,
    });
    const store = new JetStreamStore(nc, jsm, options, limits, log);
    // Due items of queues already there move from now on, through this front end too.
    await store.delays.start();
    return store;
  } catch (err) {
    await nc.close();
    throw err;
  }
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && !message.includes(cause.message) ? `${message}: ${cause.message}` : message;
}
