/**
 * The credentials a client presents, as each protocol carries them (docs/protocol.md:
 * "Authentication"). Pure: bytes in, a user and password out, or the reason they cannot be read.
 * Names and passwords are byte strings (latin1), compared as bytes.
 */

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/**
 * The most the server holds of one request still arriving (a line or data that spans reads) before
 * its connection has logged in: what a login needs, a text `set` line (a key of up to 250 bytes)
 * with `<user> <password>` as its data, or a SASL PLAIN body (`[user] NUL user NUL password`, with
 * MAX_USER_BYTES and MAX_PASSWORD_BYTES at most), with room to spare. Larger ones are refused
 * unread, so a stranger cannot make the server hold more. A request that arrives whole in one read
 * costs nothing to hold, and is answered as any request before login.
 */
export const LOGIN_REQUEST_BYTES = 1024;

/** Why a request still arriving was refused before login (both protocols). */
export const BEFORE_LOGIN_REFUSAL = `log in first: before login, a request still arriving may hold at most ${LOGIN_REQUEST_BYTES} bytes`;

/** The longest user name and password a login can carry within LOGIN_REQUEST_BYTES (see above). */
export const MAX_USER_BYTES = 250;
export const MAX_PASSWORD_BYTES = 500;

/** The one SASL mechanism rq offers (RFC 4616), as SASL_LIST_MECHS lists it. */
export const SASL_PLAIN = 'PLAIN';

/**
 * Reads a SASL PLAIN message (RFC 4616): `[authzid] NUL authcid NUL passwd`. memjs sends an empty
 * authzid (`\0user\0pass`); libmemcached repeats the user (`user\0user\0pass`). An authzid naming
 * another user asks to act as that user, which rq does not offer: refused.
 */
export function parseSaslPlain(message: Buffer): Credentials | string {
  const first = message.indexOf(0);
  const second = first < 0 ? -1 : message.indexOf(0, first + 1);
  if (first < 0 || second < 0) return 'SASL PLAIN needs [authzid]\\0user\\0password';
  const authzid = message.toString('latin1', 0, first);
  const user = message.toString('latin1', first + 1, second);
  const password = message.toString('latin1', second + 1);
  if (user.length === 0) return 'SASL PLAIN with an empty user';
  if (authzid.length > 0 && authzid !== user) return 'SASL PLAIN authorization identity differs from the user';
  return { user, password };
}

/**
 * Reads the data of a text-protocol authentication `set` (memcached's form): `<user> <password>`,
 * split at the first space, so a password may contain spaces and a user may not.
 */
export function parseTextCredentials(data: Buffer): Credentials | string {
  const space = data.indexOf(0x20);
  if (space <= 0) return 'authentication data must be "<user> <password>"';
  return { user: data.toString('latin1', 0, space), password: data.toString('latin1', space + 1) };
}
