/** Server counters and small promises of the server: get counters add up, version matches the package. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { Connections, RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const conns = new Connections(() => srv.port);

beforeEach(async () => {
  srv = await startServer({ maxOpen: 1 });
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
});

async function connect(): Promise<RawClient> {
  return conns.connect();
}

function stat(text: string, name: string): number {
  return Number(new RegExp(`STAT ${name} (\\d+)`).exec(text)![1]);
}

it('counts every get once: get_hits + get_misses = cmd_get, waits included', async () => {
  const c = await connect();
  await c.request('get q\r\n'); // miss
  await c.request('get q/t=20\r\n'); // a wait that times out: one miss
  await c.request('set q 0 0 1\r\nx\r\n');
  await c.request('get q/t=1000\r\n', 'END\r\n'); // hit at once
  const stats = await c.request('stats\r\n', 'END\r\n');
  expect(stat(stats, 'cmd_get')).toBe(3);
  expect(stat(stats, 'get_hits')).toBe(1);
  expect(stat(stats, 'get_misses')).toBe(2);
});

it('counts deletes that ended a reservation and those that found none, and flushes', async () => {
  const c = await connect();
  await c.request('set q 0 0 1\r\nx\r\n');
  await c.request('get q\r\n', 'END\r\n');
  expect(await c.request('delete q\r\n')).toBe('DELETED\r\n');
  expect(await c.request('delete q\r\n')).toBe('NOT_FOUND\r\n');
  expect(await c.request('delete q/abort/id=99\r\n')).toBe('NOT_FOUND\r\n');
  await c.request('flush q\r\n');
  await c.request('flush_all\r\n');
  const stats = await c.request('stats\r\n', 'END\r\n');
  expect(stat(stats, 'delete_hits')).toBe(1);
  expect(stat(stats, 'delete_misses')).toBe(2);
  expect(stat(stats, 'cmd_flush')).toBe(2);
});

it('counts the bytes clients sent and were sent, up to the stats request itself', async () => {
  const c = await connect();
  const requests = ['set q 0 0 3\r\nabc\r\n', 'get q\r\n', 'delete q\r\n'];
  const replies = [await c.request(requests[0]), await c.request(requests[1], 'END\r\n'), await c.request(requests[2])];
  const stats = await c.request('stats\r\n', 'END\r\n');
  const length = (parts: string[]) => parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
  expect(stat(stats, 'bytes_read')).toBe(length([...requests, 'stats\r\n']));
  expect(stat(stats, 'bytes_written')).toBe(length(replies));
});

it('reports the package version in the shape memcache clients accept (major ≥ 1)', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
  const c = await connect();
  expect(await c.request('version\r\n')).toBe(`VERSION ${VERSION}\r\n`);
  expect(Number(VERSION.split('.')[0])).toBeGreaterThanOrEqual(1);
});

it("at --max-open, closing another connection's item by id does not make room for a reservation", async () => {
  const a = await connect();
  const b = await connect();
  await a.request('set q 0 0 1\r\n1\r\nset q 0 0 1\r\n2\r\nset q 0 0 1\r\n3\r\n', 'STORED\r\nSTORED\r\nSTORED\r\n');
  const held = await b.request('gets q\r\n', 'END\r\n');
  const idOfB = Number(/ (\d+)\r\n/.exec(held)![1]);
  await a.request('get q\r\n', 'END\r\n'); // a is at its limit of 1
  // The whole get is refused: b's item is not acknowledged and nothing is reserved.
  expect(await a.request(`get q/close/id=${idOfB}/open\r\n`)).toMatch(/^SERVER_ERROR too many open reservations on q/);
  expect(await b.request('delete q\r\n')).toBe('DELETED\r\n');
});
