/** Reading credentials from SASL PLAIN messages and from a text-protocol login. */
import { describe, expect, it } from 'vitest';
import { parseSaslPlain, parseTextCredentials } from '../../../src/protocol/credentials.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('parseSaslPlain', () => {
  it('reads memjs form (empty authzid) and libmemcached form (authzid = user)', () => {
    expect(parseSaslPlain(b('\0alice\0pw'))).toEqual({ user: 'alice', password: 'pw' });
    expect(parseSaslPlain(b('alice\0alice\0pw'))).toEqual({ user: 'alice', password: 'pw' });
  });

  it('keeps a password with NULs or spaces after the second NUL whole', () => {
    expect(parseSaslPlain(b('\0alice\0p w\0x'))).toEqual({ user: 'alice', password: 'p w\0x' });
  });

  it('refuses acting as another user, a missing separator, an empty user', () => {
    expect(parseSaslPlain(b('bob\0alice\0pw'))).toMatch(/authorization identity/);
    expect(parseSaslPlain(b('alice pw'))).toMatch(/needs/);
    expect(parseSaslPlain(b('\0alicepw'))).toMatch(/needs/);
    expect(parseSaslPlain(b(''))).toMatch(/needs/);
    expect(parseSaslPlain(b('\0\0pw'))).toMatch(/empty user/);
  });
});

describe('parseTextCredentials', () => {
  it('splits at the first space', () => {
    expect(parseTextCredentials(b('alice pw'))).toEqual({ user: 'alice', password: 'pw' });
    expect(parseTextCredentials(b('alice pass with spaces'))).toEqual({ user: 'alice', password: 'pass with spaces' });
    expect(parseTextCredentials(b('alice '))).toEqual({ user: 'alice', password: '' });
  });

  it('refuses data without a user and a space', () => {
    expect(parseTextCredentials(b('alice'))).toMatch(/<user> <password>/);
    expect(parseTextCredentials(b(' pw'))).toMatch(/<user> <password>/);
    expect(parseTextCredentials(b(''))).toMatch(/<user> <password>/);
  });
});
