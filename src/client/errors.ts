/**
 * The client's errors, typed so that the CLI can turn them into exit codes in one place
 * (src/cli/exit-codes.ts): every failure to talk to a server is an RqClientError with a `kind`.
 * "Nothing there" (an empty queue, an unknown id) is never an error: it is a null or false result.
 */

export type FailureKind =
  /** The server could not be reached, or the connection broke before the reply came. */
  | 'unreachable'
  /** The server did not answer within the deadline. */
  | 'timeout'
  /** The server answered with an error status, or with bytes that are not a valid reply. */
  | 'protocol';

export class RqClientError extends Error {
  constructor(
    readonly kind: FailureKind,
    /** The server, as `host:port`. */
    readonly server: string,
    message: string,
    /** The binary status of a protocol error, when the server sent one. */
    readonly status?: number,
    /** True when the request certainly never reached the server (it could not be connected to). */
    readonly notSent = false,
  ) {
    super(`${server}: ${message}`);
    this.name = 'RqClientError';
  }
}

/** Words for the socket errors a user meets, instead of Node's codes. */
const BY_CODE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is `rq serve` running there?)',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** The same failure, known to have happened before anything was sent: another server may be tried. */
export function beforeSending(error: RqClientError): RqClientError {
  return new RqClientError(error.kind, error.server, error.message.slice(error.server.length + 2), error.status, true);
}

/** Wraps any socket-level failure as an 'unreachable' error with a readable reason. */
export function unreachable(server: string, cause: unknown): RqClientError {
  if (cause instanceof RqClientError) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const reason =
    typeof code === 'string' && BY_CODE[code] ? BY_CODE[code] : cause instanceof Error ? cause.message : String(cause);
  return new RqClientError('unreachable', server, reason);
}

export function timedOut(server: string, ms: number): RqClientError {
  return new RqClientError('timeout', server, `no answer within ${formatSeconds(ms)}`);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
