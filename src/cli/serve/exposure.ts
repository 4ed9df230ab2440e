/**
 * What `rq serve` says when it listens where others can reach it: the exact powers a stranger gets
 * without `--auth-file`, that logins travel in clear without TLS, and what its metrics port shows
 * anyone. Pure, for tests.
 */

/** True for an address only this machine can reach (127.0.0.0/8, ::1, and their IPv4-mapped form). */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1' || address === 'localhost';
}

/** `host:port`, an IPv6 address in brackets. */
function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** The warnings for a server bound to `address`; none on loopback. */
export function exposureWarnings(address: string, port: number, auth: boolean, tls: boolean): string[] {
  if (isLoopback(address)) return [];
  const where = hostPort(address, port);
  const warnings: string[] = [];
  if (!auth) {
    warnings.push(
      `listening on ${where} without --auth-file: anyone who can reach this port can enqueue items, read, ` +
        "take, acknowledge and release every queued item, empty or delete any queue, and read the server's " +
        'stats (queue names, sizes, connections). Add --auth-file (with --tls-cert/--tls-key), or listen on ' +
        '127.0.0.1 and put a firewall or VPN in front.',
    );
  }
  if (!tls) {
    warnings.push(
      `listening on ${where} without TLS: items${auth ? ', user names and passwords' : ''} cross the network ` +
        'unencrypted, readable and changeable by anyone on the path. Add --tls-cert and --tls-key.',
    );
  }
  return warnings;
}

/** The warning for a metrics endpoint bound to `address` (`--metrics`), which has no logins and no TLS; none on loopback. */
export function metricsExposureWarnings(address: string, port: number): string[] {
  if (isLoopback(address)) return [];
  return [
    `serving metrics on ${hostPort(address, port)}: anyone who can reach this port can read every queue's name, size ` +
      "and rates and the server's connection counts, without a login and unencrypted (the metrics port has neither). " +
      'Listen on 127.0.0.1 and scrape through a firewall, VPN or a TLS proxy, or let only Prometheus reach this port.',
  ];
}
