/**
 * Where client commands turn errors into a message on stderr and an exit status
 * (src/cli/exit-codes.ts, man/rq.1). Errors are typed where they arise; this is the one place
 * that translates them.
 */
import { EXIT_NOTHING, EXIT_UNREACHABLE, EXIT_USAGE } from '../exit-codes.js';
import { isUsageError } from '../command-spec.js';

/** Output could not be written (a closed pipe, a full disk). */
export class OutputError extends Error {
  constructor(override readonly cause: Error) {
    super(`cannot write to standard output: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`);
  }
}

class DeadlineError extends Error {}

/** The exit status for an error thrown by a client command. */
export function exitCodeFor(err: unknown): number {
  if (isUsageError(err)) return EXIT_USAGE;
  if (err instanceof OutputError) return EXIT_NOTHING;
  return EXIT_UNREACHABLE;
}

/** Whether the command connects with TLS: set by newClient, for the hints below. */
let usingTls = false;

export function connectingWithTls(tls: boolean): void {
  usingTls = tls;
}

/**
 * A server's refusal in words that say what to do: the server wants a login, or TLS, or speaks no
 * TLS, or has a certificate this machine does not trust. The reasons come from several layers
 * (memjs, node:tls, the server's own text); this is the one place that reads them.
 */
export function explainFailure(message: string): string {
  if (/authentication required|authentication failed!/i.test(message)) {
    return `${message.replace(/: (Memcached server authentication failed!|Authentication required.*|CLIENT_ERROR authentication required.*)$/, '')}: the server wants a login: set RQ_USER and RQ_PASSWORD (or give --user)`;
  }
  if (/CLIENT_ERROR authentication failure/.test(message))
    return message.replace('CLIENT_ERROR authentication failure', 'wrong user or password');
  if (/TLS: .*wrong version number/.test(message)) {
    return message.replace(
      /TLS: .*wrong version number\S*/,
      'TLS: the server does not speak TLS: drop --tls and --tls-ca (and RQ_TLS_CA)',
    );
  }
  if (/TLS: (unable to verify|self[- ]signed|unable to get local issuer)/.test(message)) {
    return `${message}: give the CA that signed the server's certificate with --tls-ca FILE (or RQ_TLS_CA)`;
  }
  if (!usingTls && /connection closed by the server|closed the connection during the login/.test(message)) {
    return `${message} (a server with --tls-cert closes plain connections: if it has one, add --tls-ca FILE or --tls)`;
  }
  return message;
}

/** Prints `rq <command>: <message>` on stderr, with a hint at what to do when the message calls for one. */
export function warn(command: string, message: string): void {
  process.stderr.write(`rq ${command}: ${explainFailure(message)}\n`);
}

/** Reports an error and sets the exit status (the process ends when its work is done). */
export function report(command: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  warn(command, message);
  process.exitCode = exitCodeFor(err);
}

/**
 * Runs a command's body: an error becomes a message and an exit status. `deadlineMs`, when given,
 * bounds the whole call (a safety net under the client's own per-request deadlines).
 */
export async function guard(command: string, body: () => Promise<void>, deadlineMs?: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = body();
    if (deadlineMs === undefined) {
      await work;
    } else {
      await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeadlineError(`gave up after ${deadlineMs / 1000} s`)), deadlineMs);
        }),
      ]);
    }
  } catch (err) {
    report(command, err);
    // Past the deadline a hung connection must not keep the process alive.
    if (err instanceof DeadlineError) setImmediate(() => process.exit());
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
