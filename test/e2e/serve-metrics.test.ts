/**
 * `rq serve --metrics` as an operator runs it: the built binary as a child process, scraped by a
 * real Prometheus that also loads docs/rq-alerts.yml; and the failures met at start-up (a metrics
 * port in use, a bad address, an address others can reach).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { missingClient } from '../helpers/child.js';
import { eventually } from '../helpers/eventually.js';
import { httpGet } from '../helpers/metrics.js';
import { Prometheus, PROMETHEUS_BIN } from '../helpers/prometheus.js';
import { Connections, setText, stats } from '../helpers/raw-client.js';
import { runRq, spawnRq, spawnServer, type RqServeProcess, type ServerProcess } from '../helpers/rq-process.js';

const ALERTS = path.resolve(__dirname, '../../docs/rq-alerts.yml');
const DASHBOARD = path.resolve(__dirname, '../../docs/rq-dashboard.json');

/** The PromQL of every panel of the Grafana dashboard. */
function dashboardQueries(): string[] {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}
const noPrometheus = missingClient(['prometheus'], [PROMETHEUS_BIN]);

const servers: RqServeProcess[] = [];
const dataDirs: string[] = [];
const listeners: net.Server[] = [];
let prometheus: Prometheus | null = null;
let conns: Connections | null = null;

afterEach(async () => {
  conns?.closeAll();
  await prometheus?.stop();
  prometheus = null;
  for (const s of servers.splice(0)) await s.kill('SIGKILL');
  for (const l of listeners.splice(0)) await new Promise((resolve) => l.close(resolve));
  for (const d of dataDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function serveWithMetrics(...args: string[]): Promise<{ rq: ServerProcess; metricsPort: number }> {
  const rq = await spawnServer({ args: ['--metrics', '127.0.0.1:0', ...args] });
  servers.push(rq);
  dataDirs.push(rq.dataDir);
  await eventually(
    () => /rq metrics on http:\/\/127\.0\.0\.1:\d+\/metrics\n/.test(rq.stdout()),
    () => `the metrics line; stdout: ${rq.stdout()}`,
  );
  return { rq, metricsPort: Number(/rq metrics on http:\/\/127\.0\.0\.1:(\d+)\//.exec(rq.stdout())![1]) };
}

describe.skipIf(noPrometheus !== null)(`scraped by a real Prometheus ${noPrometheus ?? ''}`, () => {
  it("Prometheus reads back what rq's own stats say, and evaluates the alert rules", async () => {
    const { rq, metricsPort } = await serveWithMetrics('--fsync', 'always');
    prometheus = await Prometheus.start({ targets: [`127.0.0.1:${metricsPort}`], ruleFiles: [ALERTS] });
    const server = `127.0.0.1:${rq.port}`;

    expect((await runRq(['push', '--servers', server, 'jobs', 'one', 'two', 'three', 'four', 'five'])).code).toBe(0);
    const popped = await runRq(['pop', '--servers', server, '-n', '2', 'jobs']);
    expect({ code: popped.code, stdout: popped.stdout }).toEqual({ code: 0, stdout: 'one\ntwo\n' });
    conns = new Connections(() => rq.port);
    const worker = await conns.connect();
    expect(await worker.request('get jobs\r\n', 'END\r\n')).toBe('VALUE jobs 0 5\r\nthree\r\nEND\r\n'); // held open
    expect(await worker.request(setText('other', 'x'))).toBe('STORED\r\n');

    const own = await stats(worker);
    const expected = {
      ready: Number(own.get('queue_jobs_items')),
      open: Number(own.get('queue_jobs_open')),
      delivered: Number(own.get('queue_jobs_delivered')),
      acked: Number(own.get('queue_jobs_acked')),
    };
    expect(expected).toEqual({ ready: 2, open: 1, delivered: 3, acked: 2 });
    const seen = async () => ({
      ready: await prometheus!.value('rq_queue_ready_items{queue="jobs"}'),
      open: await prometheus!.value('rq_queue_open_items{queue="jobs"}'),
      delivered: await prometheus!.value('rq_queue_delivered_items_total{queue="jobs"}'),
      acked: await prometheus!.value('rq_queue_acked_items_total{queue="jobs"}'),
    });
    let last = {};
    await eventually(
      async () => {
        last = await seen();
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      () => `Prometheus to see ${JSON.stringify(expected)} (it sees ${JSON.stringify(last)}); its log: ${prometheus!.output}`,
      { deadlineMs: 20_000, intervalMs: 200 },
    );

    expect(await prometheus.value('up{job="rq"}')).toBe(1);
    expect(await prometheus.value('rq_accepting_changes')).toBe(1);
    expect(await prometheus.value('rq_queue_ready_items{queue="other"}')).toBe(1);
    expect(await prometheus.value('rq_journal_fsync_duration_seconds_count')).toBeGreaterThan(0);
    const build = await prometheus.query('rq_build_info');
    expect(build.map((b) => [b.metric.job, b.metric.version, b.value])).toEqual([['rq', VERSION, 1]]);

    // Every rule of docs/rq-alerts.yml is loaded and evaluates without an error against rq's series.
    let groups: Awaited<ReturnType<Prometheus['rules']>> = [];
    await eventually(
      async () => {
        groups = await prometheus!.rules();
        return groups.length > 0 && groups.every((g) => g.rules.every((r) => r.health === 'ok'));
      },
      () => `every rule evaluated, healthy: ${JSON.stringify(groups)}`,
      { deadlineMs: 20_000, intervalMs: 200 },
    );
    expect(groups.flatMap((g) => g.rules.map((r) => r.name))).toEqual(
      expect.arrayContaining(['RqDown', 'RqRefusingChanges', 'RqOldestItemTooOld']),
    );

    // Every query of docs/rq-dashboard.json is one Prometheus runs, with Grafana's variables filled in.
    for (const expr of dashboardQueries()) {
      const filled = expr.replace(/\$instance|\$queue/g, '.*').replace(/\$__rate_interval/g, '1m');
      await expect(prometheus.query(filled), filled).resolves.toBeInstanceOf(Array);
    }
    expect((await prometheus.query('rq_queue_ready_items{instance=~".*",queue=~".*"}')).length).toBe(2);
  });
});

describe('rq serve --metrics at start-up', () => {
  it('exits 3 with a clear message when the metrics port is in use, and leaves the queue port and data dir free', async () => {
    const taken = net.createServer();
    listeners.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const dataDir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'rq-e2e-'));
    dataDirs.push(dataDir);
    const r = await runRq(['serve', '--port', '0', '--data-dir', dataDir, '--metrics', `127.0.0.1:${port}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(
        `^rq serve: cannot serve metrics on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}\\n$`,
        'm',
      ),
    );
    expect(r.stdout).toBe('');
    // The data dir was released: a server starts on it at once.
    const again = await spawnServer({ dataDir });
    servers.push(again);
    expect(again.port).toBeGreaterThan(0);
  });

  it('refuses a bad address with a usage error', async () => {
    const r = await runRq(['serve', '--port', '0', '--no-journal', '--metrics', 'localhost']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--metrics takes host:port, [ipv6]:port or a port (e.g. 127.0.0.1:9133), not "localhost"');
  });

  it('warns when the metrics port is reachable from other machines, and serves there', async () => {
    const rq = await spawnRq(['--no-journal', '--metrics', '0.0.0.0:0']);
    servers.push(rq);
    await eventually(
      () => rq.stderr().includes('serving metrics on 0.0.0.0:'),
      () => `the warning; stderr: ${rq.stderr()}`,
    );
    expect(rq.stderr()).toMatch(
      /WARN +serving metrics on 0\.0\.0\.0:\d+: anyone who can reach this port can read every queue's name/,
    );
    const port = Number(/rq metrics on http:\/\/0\.0\.0\.0:(\d+)\//.exec(rq.stdout())![1]);
    expect(await httpGet(port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
    const text = (await httpGet(port, '/metrics')).body;
    expect(text).not.toContain('rq_journal_');
    expect(text).toContain('rq_accepting_changes 1\n');
  });
});
