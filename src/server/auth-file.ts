/**
 * Reading `--auth-file`: the users allowed in and their passwords (format: docs/protocol.md
 * "Authentication" and man/rq-serve.1). memcached's `-Y` format, so one file serves both:
 *
 *     # comment
 *     alice:correct horse battery staple
 *
 * One `user:password` per line, split at the first `:`; blank lines and lines starting with `#`
 * are skipped. Anything doubtful stops the server from starting, with the line number: a line
 * without `:`, an empty user or password, a user with a space or control character, a password
 * that starts or ends with whitespace (invisible in an editor, and almost always a mistake), a user
 * or password too long for a login (credentials.ts), a user listed twice. The file must not be writable by every user (then anyone on the machine could add
 * themselves); readable by every user is allowed but reported.
 */
import fs from 'node:fs';
import { MAX_PASSWORD_BYTES, MAX_USER_BYTES } from '../protocol/credentials.js';

export class AuthFileError extends Error {}

export interface AuthFile {
  /** user → password, as byte strings (latin1). */
  readonly users: ReadonlyMap<string, string>;
  /** Things worth a warning in the log (the file is readable by every user). */
  readonly warnings: readonly string[];
}

/** Reads and checks the file at `path`; throws AuthFileError with a message naming the file (and line). */
export function loadAuthFile(path: string): AuthFile {
  let stat: fs.Stats;
  let bytes: Buffer;
  try {
    stat = fs.statSync(path);
    if (!stat.isFile()) throw new Error('not a regular file');
    bytes = fs.readFileSync(path);
  } catch (err) {
    throw new AuthFileError(`cannot read auth file ${path}: ${(err as Error).message}`);
  }
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  if (stat.mode & 0o002) {
    throw new AuthFileError(
      `auth file ${path} is writable by every user (mode ${mode}): anyone could add a login; run chmod o-w ${path}`,
    );
  }
  const warnings: string[] = [];
  if (stat.mode & 0o004)
    warnings.push(`auth file ${path} is readable by every user (mode ${mode}): anyone on this machine can read the passwords`);
  return { users: parseAuthFile(bytes, path), warnings };
}

/** Parses the file's bytes (see the module comment). Exported for tests. */
export function parseAuthFile(bytes: Buffer, path = 'auth file'): Map<string, string> {
  const users = new Map<string, string>();
  const lineOf = new Map<string, number>();
  const lines = bytes.toString('latin1').split('\n');
  lines.forEach((raw, index) => {
    const n = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const where = `${path} line ${n}`;
    const colon = line.indexOf(':');
    if (colon < 0) throw new AuthFileError(`${where}: expected user:password`);
    const user = line.slice(0, colon);
    const password = line.slice(colon + 1);
    if (user === '') throw new AuthFileError(`${where}: empty user name`);
    if (/[\x00-\x20\x7f]/.test(user)) throw new AuthFileError(`${where}: user name contains a space or control character`);
    if (password === '') throw new AuthFileError(`${where}: empty password for ${user}`);
    if (/^\s|\s$/.test(password)) throw new AuthFileError(`${where}: password for ${user} starts or ends with whitespace`);
    // A connection that has not logged in may send only a short request (LOGIN_REQUEST_BYTES).
    if (user.length > MAX_USER_BYTES) throw new AuthFileError(`${where}: user name longer than ${MAX_USER_BYTES} bytes`);
    if (password.length > MAX_PASSWORD_BYTES)
      throw new AuthFileError(`${where}: password for ${user} longer than ${MAX_PASSWORD_BYTES} bytes`);
    const seen = lineOf.get(user);
    if (seen !== undefined) throw new AuthFileError(`${where}: user ${user} is already listed on line ${seen}`);
    users.set(user, password);
    lineOf.set(user, n);
  });
  if (users.size === 0) throw new AuthFileError(`${path} lists no users: nobody could log in`);
  return users;
}
