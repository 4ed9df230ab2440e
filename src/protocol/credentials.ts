/**
 * The credentials a client presents, as each protocol carries them (docs/protocol.md:
 * "Authentication"). Pure: bytes in, a user and password out, or the reason they cannot be read.
 * Names and passwords are byte strings (latin1), compared as bytes.
 */

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

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
