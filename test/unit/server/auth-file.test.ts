/** --auth-file: the format, every way a line can be wrong, and the file's permissions. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthFileError, loadAuthFile, parseAuthFile } from '../../../src/server/auth-file.js';
import { Authenticator } from '../../../src/server/auth.js';
import { tempDir } from '../../helpers/server.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function writeFile(text: string | Buffer, mode = 0o600): string {
  const { dir, remove } = tempDir('rq-auth-');
  cleanups.push(remove);
  const file = path.join(dir, 'users');
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
  return file;
}

describe('parseAuthFile', () => {
  it('reads user:password lines, skipping comments and blank lines, splitting at the first colon', () => {
    const users = parseAuthFile(
      Buffer.from('# rq users\n\nalice:s3cret\r\n  # indented comment\nbob:pass:with:colons and spaces\n'),
    );
    expect([...users]).toEqual([
      ['alice', 's3cret'],
      ['bob', 'pass:with:colons and spaces'],
    ]);
  });

  it('keeps bytes as they are (a UTF-8 password matches the bytes a client sends)', () => {
    const users = parseAuthFile(Buffer.from('zoë:pässword\n', 'utf8'));
    const [[user, password]] = [...users];
    expect(Buffer.from(user, 'latin1').toString('utf8')).toBe('zoë');
    expect(Buffer.from(password, 'latin1').toString('utf8')).toBe('pässword');
  });

  it.each([
    ['alice\n', 'line 1: expected user:password'],
    ['# ok\n:pw\n', 'line 2: empty user name'],
    ['al ice:pw\n', 'line 1: user name contains a space or control character'],
    ['alice:\n', 'line 1: empty password for alice'],
    ['alice:pw \n', 'line 1: password for alice starts or ends with whitespace'],
    ['alice: pw\n', 'line 1: password for alice starts or ends with whitespace'],
    ['alice:a\nbob:b\nalice:c\n', 'line 3: user alice is already listed on line 1'],
    [`${'u'.repeat(251)}:pw\n`, 'line 1: user name longer than 250 bytes'],
    [`alice:${'p'.repeat(501)}\n`, 'line 1: password for alice longer than 500 bytes'],
    ['# nobody\n\n', 'lists no users'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseAuthFile(Buffer.from(text), 'users')).toThrow(AuthFileError);
    expect(() => parseAuthFile(Buffer.from(text), 'users')).toThrow(message);
  });
});

describe('loadAuthFile', () => {
  it('loads a private file without warnings', () => {
    const file = writeFile('alice:pw\n', 0o600);
    const loaded = loadAuthFile(file);
    expect(loaded.users.get('alice')).toBe('pw');
    expect(loaded.warnings).toEqual([]);
  });

  it('warns about a file every user can read', () => {
    const file = writeFile('alice:pw\n', 0o644);
    expect(loadAuthFile(file).warnings[0]).toMatch(/readable by every user \(mode 0644\)/);
  });

  it('refuses a file every user can write', () => {
    const file = writeFile('alice:pw\n', 0o666);
    expect(() => loadAuthFile(file)).toThrow(/writable by every user \(mode 0666\).*chmod o-w/);
  });

  it('refuses a missing file or a directory, naming it', () => {
    const { dir, remove } = tempDir('rq-auth-');
    cleanups.push(remove);
    expect(() => loadAuthFile(path.join(dir, 'nope'))).toThrow(`cannot read auth file ${path.join(dir, 'nope')}`);
    expect(() => loadAuthFile(dir)).toThrow(/not a regular file/);
  });

  it('names the file and line of a malformed entry', () => {
    const file = writeFile('alice:pw\nbroken\n');
    expect(() => loadAuthFile(file)).toThrow(`${file} line 2: expected user:password`);
  });
});

describe('Authenticator', () => {
  const auth = new Authenticator({
    users: new Map([
      ['alice', 'pw'],
      ['bob', 'other'],
    ]),
    warnings: [],
  });

  it('accepts a user with their own password only', () => {
    expect(auth.verify({ user: 'alice', password: 'pw' })).toBe(true);
    expect(auth.verify({ user: 'alice', password: 'other' })).toBe(false);
    expect(auth.verify({ user: 'bob', password: 'pw' })).toBe(false);
    expect(auth.verify({ user: 'alice', password: 'pw ' })).toBe(false);
    expect(auth.verify({ user: 'alice', password: '' })).toBe(false);
    expect(auth.verify({ user: 'carol', password: 'pw' })).toBe(false);
    expect(auth.verify({ user: '', password: '' })).toBe(false);
  });
});
