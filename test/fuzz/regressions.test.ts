/**
 * Replays every input in test/fixtures/fuzz/ (README there) against a live server, whole and in
 * small chunks, with and without logins required; then a well-behaved client must be served exactly.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/server/auth.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { chunks, Rng } from './inputs.js';

const DIR = path.resolve(__dirname, '../fixtures/fuzz');
const FILES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.bin'))
  .sort();

let srv: TestServer | null = null;
afterEach(async () => {
  await srv?.close();
  srv = null;
});

/** Sends `parts`, ends the connection, and waits until the server has closed its side too. */
function replay(port: number, parts: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.once('connect', () => {
      for (const p of parts) socket.write(p);
      socket.end();
    });
  });
}

async function stillServes(port: number, login: boolean): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    if (login) expect(await c.request('set auth 0 0 8\r\nalice pw\r\n')).toBe('STORED\r\n');
    expect(await c.request('set good 0 0 4\r\nwork\r\n')).toBe('STORED\r\n');
    expect(await c.request('get good\r\n', 'END\r\n')).toBe('VALUE good 0 4\r\nwork\r\nEND\r\n');
    expect(await c.request('delete good\r\n')).toBe('DELETED\r\n');
  } finally {
    c.close();
  }
}

describe('fuzz regressions', () => {
  it('has inputs to replay', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  for (const login of [false, true]) {
    it.each(FILES)(`%s${login ? ' (logins required)' : ''}`, async (file) => {
      srv = await startServer({
        maxItemSize: 65536,
        limits: { maxQueueBytes: 4 * 1024 * 1024 },
        auth: login ? new Authenticator({ users: new Map([['alice', 'pw']]), warnings: [] }, 5) : undefined,
      });
      const input = fs.readFileSync(path.join(DIR, file));
      await replay(srv.port, [input]);
      await replay(srv.port, chunks(new Rng(input.length), input));
      await stillServes(srv.port, login);
      const s = srv.server;
      await eventually(() => s.counters.currConnections === 0, 'every connection to be closed');
    });
  }
});
