/**
 * A real Prometheus server for end-to-end tests (Debian's `prometheus` package): its own temp dir
 * for config and data, a free loopback port, a scrape and rule evaluation interval of 1 s. Asked
 * through its HTTP API; every wait has a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { eventually } from './eventually.js';
import { httpGet } from './metrics.js';
import { tempDir } from './server.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface PrometheusOptions {
  /** host:port of each rq metrics endpoint, scraped as job "rq". */
  readonly targets: readonly string[];
  /** Rule files to load (absolute paths). */
  readonly ruleFiles?: readonly string[];
}

/** A port no one listens on now (the kernel's choice; free again once this returns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One sample of an instant query's result: its labels and value. */
export interface QuerySample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export class Prometheus {
  private log = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: { remove: () => void },
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString('utf8')));
  }

  /** Starts Prometheus and resolves once it says it is ready. */
  static async start(options: PrometheusOptions): Promise<Prometheus> {
    const dir = tempDir('rq-prometheus-');
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      `rule_files: ${JSON.stringify(options.ruleFiles ?? [])}`,
      'scrape_configs:',
      '  - job_name: rq',
      '    static_configs:',
      `      - targets: ${JSON.stringify(options.targets)}`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir.dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${path.join(dir.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const prometheus = new Prometheus(child, port, dir);
    try {
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${prometheus.log}`);
          return (await httpGet(port, '/-/ready').catch(() => ({ status: 0 }))).status === 200;
        },
        () => `prometheus ready on port ${port}; its log: ${prometheus.log}`,
        { deadlineMs: 20_000, intervalMs: 100 },
      );
    } catch (err) {
      await prometheus.stop();
      throw err;
    }
    return prometheus;
  }

  /** An instant query's samples (`/api/v1/query`). */
  async query(expr: string): Promise<QuerySample[]> {
    const reply = await httpGet(this.port, `/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = JSON.parse(reply.body) as {
      status: string;
      error?: string;
      data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? reply.body}`);
    return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The value of a query with one sample, or undefined while it has none. */
  async value(expr: string): Promise<number | undefined> {
    const result = await this.query(expr);
    if (result.length > 1) throw new Error(`query ${expr} has ${result.length} samples`);
    return result[0]?.value;
  }

  /** The rule groups Prometheus loaded and evaluates (`/api/v1/rules`). */
  async rules(): Promise<Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }>> {
    const reply = await httpGet(this.port, '/api/v1/rules');
    return (
      JSON.parse(reply.body) as {
        data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> };
      }
    ).data.groups;
  }

  /** What Prometheus logged (warnings and errors). */
  get output(): string {
    return this.log;
  }

  /** Stops it (SIGTERM, then SIGKILL past a deadline) and removes its directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.dir.remove();
  }
}
