/**
 * The HTTP listener of `rq serve --metrics`: `GET /metrics` (Prometheus text, or OpenMetrics when
 * the scraper asks), `GET /healthz` (200 while the process serves) and `GET /readyz` (200 while the
 * server takes changes, else 503 with the reason). Apart from the queue port: a scraper, a load
 * balancer's probe or a stranger's bytes here never reach a queue connection.
 *
 * Every scrape reads its figures when it is asked (MetricsSource), so it costs the server only then;
 * scrapes asked for while one is being answered share its answer. Node's HTTP parser answers what is
 * not HTTP (400), a request line and headers past MAX_HEADER_BYTES (431) and a client too slow to
 * send its request (408), and closes the connection.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryContentType } from 'prom-client';
import { SILENT_LOG, type Logger } from '../log.js';
import type { Exposition } from './exposition.js';
import type { MetricsSource } from './figures.js';
import { negotiate } from './negotiate.js';

/** Request line and headers: a scraper sends a few hundred bytes; 8 KiB is the queue port's line limit too. */
const MAX_HEADER_BYTES = 8192;
/** A scraper sends its request at once; one that takes longer holds a connection for nothing. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How often Node looks for requests past their timeout. */
const TIMEOUT_CHECK_MS = 1000;
/**
 * Connections at once: a scraper or two and a few probes need a handful; more are closed at once,
 * so that a flood of connections costs file descriptors only up to this.
 */
export const MAX_METRICS_CONNECTIONS = 64;

const PATHS = 'rq serves /metrics, /healthz and /readyz';

export class MetricsServer {
  private readonly http: http.Server;
  /** The answer being prepared, per format: scrapes that arrive meanwhile share it. */
  private readonly inFlight = new Map<RegistryContentType, Promise<string>>();

  constructor(
    private readonly source: MetricsSource,
    private readonly exposition: Exposition,
    private readonly log: Logger = SILENT_LOG,
  ) {
    this.http = http.createServer(
      {
        maxHeaderSize: MAX_HEADER_BYTES,
        requestTimeout: REQUEST_TIMEOUT_MS,
        headersTimeout: REQUEST_TIMEOUT_MS,
        connectionsCheckingInterval: TIMEOUT_CHECK_MS,
      },
      (req, res) => this.route(req, res),
    );
    this.http.maxConnections = MAX_METRICS_CONNECTIONS;
  }

  /** Starts listening; resolves with the bound address, rejects (EADDRINUSE, …) if it cannot. */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const a = this.http.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' && path !== '/healthz' && path !== '/readyz') return reply(res, 404, `not found: ${PATHS}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return reply(res, 405, `${req.method ?? '?'} is not allowed: ${PATHS} to GET\n`);
    }
    if (path === '/healthz') return reply(res, 200, 'ok\n');
    if (path === '/readyz') {
      const refusal = this.source.refusal();
      return refusal === null ? reply(res, 200, 'ready\n') : reply(res, 503, `not ready: ${refusal}\n`);
    }
    const contentType = negotiate(req.headers.accept);
    this.scrape(contentType).then(
      (body) => reply(res, 200, body, contentType),
      (err: Error) => {
        this.log.error('metrics scrape failed', { reason: err.message });
        reply(res, 500, `scrape failed: ${err.message}\n`);
      },
    );
  }

  /** The text of a scrape in this format: the one being prepared, or a new one. */
  private scrape(contentType: RegistryContentType): Promise<string> {
    let answer = this.inFlight.get(contentType);
    if (answer === undefined) {
      answer = (async () => {
        try {
          return await this.exposition.render(await this.source.figures(Date.now()), contentType);
        } finally {
          this.inFlight.delete(contentType);
        }
      })();
      this.inFlight.set(contentType, answer);
    }
    return answer;
  }
}

function reply(res: http.ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}
