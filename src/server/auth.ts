/**
 * Checking credentials against `--auth-file`, the same way for both protocols: in constant time
 * (SHA-256 of both sides, compared with crypto.timingSafeEqual; an unknown user is compared
 * against a dummy, so its answer takes as long as a wrong password's), and counted in stats
 * (`auth_cmds`, `auth_errors`, memcached's names). Wrong credentials are answered only after
 * FAILURE_DELAY_MS, which the sessions wait for with a timer (see docs/protocol.md "Authentication").
 */
import crypto from 'node:crypto';
import type { Credentials } from '../protocol/credentials.js';
import type { AuthFile } from './auth-file.js';
import type { Connection } from './connection.js';

/**
 * How long a wrong password waits for its answer: short for a person who mistyped, long enough to
 * make guessing over one connection slow (5 guesses a second). The connection's later requests wait
 * behind it, so pipelining guesses does not help.
 */
export const FAILURE_DELAY_MS = 200;

/**
 * How long a connection may stay without logging in before it is closed. Logins come first thing
 * from real clients; without a deadline, strangers could hold every --max-connections place open
 * and keep the users out.
 */
export const LOGIN_DEADLINE_MS = 30_000;

function digest(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret, 'latin1').digest();
}

export class Authenticator {
  private readonly digests = new Map<string, Buffer>();
  private readonly dummy = digest(crypto.randomBytes(32).toString('latin1'));

  constructor(
    file: AuthFile,
    readonly failureDelayMs = FAILURE_DELAY_MS,
    readonly loginDeadlineMs = LOGIN_DEADLINE_MS,
  ) {
    for (const [user, password] of file.users) this.digests.set(user, digest(password));
  }

  /** True when `credentials` name a user of the file with that user's password. */
  verify(credentials: Credentials): boolean {
    const expected = this.digests.get(credentials.user);
    const match = crypto.timingSafeEqual(expected ?? this.dummy, digest(credentials.password));
    return expected !== undefined && match;
  }
}

/**
 * One authentication attempt on `conn`, for either protocol: counts it, checks it, marks the
 * connection authenticated on success, and logs a failure (the user name and peer, never the
 * password). `credentials` is a parse error's reason when the client's message could not be read.
 * The caller answers a failure only after `conn.ctx.auth.failureDelayMs` (Connection.holdFor).
 */
export function logIn(conn: Connection, credentials: Credentials | string): boolean {
  const { auth, counters, log } = conn.ctx;
  counters.authCmds++;
  const ok = auth !== null && typeof credentials !== 'string' && auth.verify(credentials);
  if (ok) {
    conn.setAuthenticated(true);
    log.info('authenticated', { peer: conn.peer, user: credentials.user });
  } else {
    // A failed login ends any earlier one (binary clients may log in again on a connection).
    if (auth !== null) conn.setAuthenticated(false);
    counters.authErrors++;
    log.warn('authentication failed', {
      peer: conn.peer,
      user: typeof credentials === 'string' ? undefined : credentials.user.slice(0, 64),
      reason: typeof credentials === 'string' ? credentials : 'unknown user or wrong password',
    });
  }
  return ok;
}
