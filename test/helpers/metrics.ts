/**
 * The metrics endpoint for tests: started over a real server in this process, asked over real
 * HTTP, its text read back as samples.
 */
import http from 'node:http';
import type { Journal } from '../../src/journal/journal.js';
import { Exposition } from '../../src/server/metrics/exposition.js';
import { serverSource } from '../../src/server/metrics/figures.js';
import { MetricsServer } from '../../src/server/metrics/metrics-server.js';
import type { RqServer } from '../../src/server/server.js';
import { VERSION } from '../../src/version.js';

export interface TestMetrics {
  readonly port: number;
  readonly exposition: Exposition;
  close(): Promise<void>;
}

/**
 * The metrics endpoint of `server` (and `journal`) on a free loopback port. The fsync histogram
 * hears the journal only if `exposition.observeFsync` was its onFsync when it opened.
 */
export async function startMetrics(
  server: RqServer,
  journal: Journal | null = null,
  exposition = new Exposition({ journal: journal !== null, maxQueues: Infinity }),
): Promise<TestMetrics> {
  const metrics = new MetricsServer(serverSource(server, journal, VERSION), exposition);
  const { port } = await metrics.listen('127.0.0.1', 0);
  return { port, exposition, close: () => metrics.close() };
}

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request on a connection of its own, with a deadline. */
export function httpGet(
  port: number,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; deadlineMs?: number } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.deadlineMs ?? 10_000, () => req.destroy(new Error(`no reply to ${path} in time`)));
    req.on('error', reject);
    req.end();
  });
}

/** The samples of a scrape (either format), by series name with its labels as written. */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
