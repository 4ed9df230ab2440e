/**
 * Real nats-server processes for the JetStream store's tests: one standalone JetStream server, or
 * a three-node JetStream cluster, on free loopback ports with their files in a temp dir. Start-up
 * waits for the server to say so in its log (JetStream ready; for a cluster, a metadata leader
 * known to every node), never for a fixed time. A node can be SIGKILLed and started again on the
 * same ports and store directory. Tests skip, saying why, when nats-server is not installed
 * (scripts/install-test-deps installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deadPort } from './clients.js';

/** Why the JetStream tests cannot run here, or null when nats-server is installed. */
export const NO_NATS_SERVER: string | null =
  spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0
    ? null
    : 'nats-server is not installed (scripts/install-test-deps)';

/** A free TCP port on 127.0.0.1: one nothing listens on (free when asked; a server binds it a moment later). */
const freePort = deadPort;

export interface NodeOptions {
  /** Serve JetStream (true unless a test wants a server without it). */
  readonly jetstream?: boolean;
  /** More configuration text (an `authorization {}` block, …). */
  readonly extraConfig?: string;
}

/** One nats-server process with its own port, config file and store directory. */
export class NatsNode {
  private child: ChildProcess | null = null;
  private log = '';
  private exited: Promise<void> = Promise.resolve();
  /** Called on every log chunk and at exit, until they say they are done. */
  private readonly watchers = new Set<(exited: boolean) => void>();

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly configFile: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Everything the server has logged since it was last started. */
  get output(): string {
    return this.log;
  }

  /** Starts the server; resolves once its log matches `ready`, rejects if it exits first. */
  start(ready: RegExp, deadlineMs = 20_000): Promise<void> {
    this.log = '';
    const child = spawn('nats-server', ['-c', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (d: Buffer) => {
      this.log += d.toString();
      for (const w of [...this.watchers]) w(false);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        for (const w of [...this.watchers]) w(true);
        resolve();
      }),
    );
    return this.waitForLog(ready, deadlineMs);
  }

  /** Resolves once the log (since the last start) matches `pattern`; rejects if the server exits first. */
  waitForLog(pattern: RegExp, deadlineMs = 20_000): Promise<void> {
    if (pattern.test(this.log)) return Promise.resolve();
    if (this.child === null) return Promise.reject(new Error(`${this.name} is not running`));
    return new Promise((resolve, reject) => {
      const watcher = (exited: boolean) => {
        if (pattern.test(this.log)) {
          finish();
          resolve();
        } else if (exited) {
          finish();
          reject(new Error(`${this.name} exited before logging ${pattern}:\n${this.log}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.name} did not log ${pattern} within ${deadlineMs} ms:\n${this.log}`));
      }, deadlineMs);
      const finish = () => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
      };
      this.watchers.add(watcher);
    });
  }

  /** Sends `signal` and resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await this.exited;
  }
}

/** Lines nats-server 2.9 logs when JetStream is serving. */
const JETSTREAM_READY = /Server is ready/;
const META_LEADER = /JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/;

/** How long one attempt at starting a cluster may take, and how many attempts are made. */
const START_ATTEMPT_MS = 15_000;
const START_ATTEMPTS = 3;
/** The longest NatsCluster.start can take: the timeout to give a hook that starts a cluster. */
export const CLUSTER_START_MS = START_ATTEMPT_MS * START_ATTEMPTS + 5_000;

function writeConfig(dir: string, name: string, body: string): string {
  const file = path.join(dir, `${name}.conf`);
  fs.writeFileSync(file, body);
  return file;
}

/** A standalone nats-server (JetStream on unless told otherwise). */
export class NatsServer {
  private constructor(
    readonly node: NatsNode,
    private readonly dir: string,
  ) {}

  static async start(options: NodeOptions = {}): Promise<NatsServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-nats-'));
    const port = await freePort();
    const js =
      options.jetstream === false ? '' : `jetstream { store_dir: "${path.join(dir, 'js')}", max_mem: 64MB, max_file: 2GB }\n`;
    const conf = `server_name: solo\nlisten: 127.0.0.1:${port}\n${js}${options.extraConfig ?? ''}\n`;
    const node = new NatsNode('solo', port, writeConfig(dir, 'solo', conf));
    await node.start(JETSTREAM_READY);
    return new NatsServer(node, dir);
  }

  get url(): string {
    return this.node.url;
  }

  async stop(): Promise<void> {
    await this.node.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Three nats-servers routed into one JetStream cluster, each with its own store directory. */
export class NatsCluster {
  private constructor(
    readonly nodes: readonly NatsNode[],
    private readonly dir: string,
  ) {}

  /**
   * Starts a cluster and resolves once every node knows the metadata leader. nats-server 2.9 now
   * and then leaves three nodes started at the same moment without a metadata leader (duplicate
   * routes closed on both sides, then no election): such an attempt is stopped and the cluster
   * started again on fresh ports, up to START_ATTEMPTS times. A healthy start takes 1–3 s.
   */
  static async start(size = 3): Promise<NatsCluster> {
    let lastError: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      const cluster = await NatsCluster.create(size);
      try {
        await Promise.all(cluster.nodes.map((n) => n.start(META_LEADER, START_ATTEMPT_MS)));
        return cluster;
      } catch (err) {
        lastError = err;
        await cluster.stop();
      }
    }
    throw lastError;
  }

  private static async create(size: number): Promise<NatsCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-nats-cluster-'));
    const ports: Array<{ client: number; route: number }> = [];
    for (let i = 0; i < size; i++) ports.push({ client: await freePort(), route: await freePort() });
    const routes = ports.map((p) => `nats-route://127.0.0.1:${p.route}`).join(', ');
    const nodes = ports.map((p, i) => {
      const name = `n${i + 1}`;
      const conf = [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${p.client}`,
        `jetstream { store_dir: "${path.join(dir, name)}", max_mem: 64MB, max_file: 2GB }`,
        `cluster { name: rq-test, listen: 127.0.0.1:${p.route}, routes: [${routes}] }`,
        '',
      ].join('\n');
      return new NatsNode(name, p.client, writeConfig(dir, name, conf));
    });
    return new NatsCluster(nodes, dir);
  }

  /** Every node's client URL, comma-separated, as `rq serve --store` takes them. */
  get urls(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  node(name: string): NatsNode {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Starts a node that was killed; resolves once it has rejoined (knows the metadata leader). */
  restart(node: NatsNode): Promise<void> {
    return node.start(META_LEADER, 30_000);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill('SIGKILL')));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
