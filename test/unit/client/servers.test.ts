import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT as CLIENT_PORT } from '../../../src/client/defaults.js';
import {
  AddressError,
  formatAddress,
  parseAddress,
  parseServerList,
  resolveServers,
  Rotation,
} from '../../../src/client/servers.js';
import { DEFAULT_PORT as SERVER_PORT } from '../../../src/server/defaults.js';

describe('server addresses', () => {
  it("uses the server's default port", () => {
    expect(CLIENT_PORT).toBe(SERVER_PORT);
  });

  it.each([
    ['localhost', { host: 'localhost', port: 22133 }],
    ['10.0.0.1:7000', { host: '10.0.0.1', port: 7000 }],
    [' q1.example:1 ', { host: 'q1.example', port: 1 }],
    ['[::1]', { host: '::1', port: 22133 }],
    ['[::1]:65535', { host: '::1', port: 65535 }],
  ])('parses %j', (text, address) => {
    expect(parseAddress(text)).toEqual(address);
  });

  it.each([
    ['', 'empty'],
    ['host:', 'port'],
    ['host:0', 'port'],
    ['host:65536', 'port'],
    ['host:12ab', 'port'],
    [':22133', 'missing host'],
    ['::1', 'brackets'],
    ['[::1', 'missing ]'],
    ['[::1]x', 'expected :port'],
    ['a b:1', 'not a host'],
    ['a/b:1', 'not a host'],
  ])('refuses %j', (text, reason) => {
    expect(() => parseAddress(text)).toThrow(AddressError);
    expect(() => parseAddress(text)).toThrow(reason);
  });

  it('formats IPv6 hosts in brackets, so that the text parses back', () => {
    for (const text of ['[::1]:5', 'h:5']) expect(formatAddress(parseAddress(text))).toBe(text);
  });

  it('parses lists, ignoring empty entries, refusing duplicates and empty lists', () => {
    expect(parseServerList('a:1,b:2,')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    expect(() => parseServerList('a:1,a:1')).toThrow('listed twice');
    expect(() => parseServerList('a,a:22133')).toThrow('listed twice');
    expect(() => parseServerList(' , ')).toThrow('no server');
  });

  it('takes the flag, then RQ_SERVERS, then RQ_SERVER, then the local default', () => {
    const env = { RQ_SERVERS: 'a:1,b:2', RQ_SERVER: 'c:3' };
    expect(resolveServers('d:4', env)).toEqual([{ host: 'd', port: 4 }]);
    expect(resolveServers(undefined, env)).toHaveLength(2);
    expect(resolveServers(undefined, { RQ_SERVER: 'c:3' })).toEqual([{ host: 'c', port: 3 }]);
    expect(resolveServers(undefined, { RQ_SERVERS: '', RQ_SERVER: '' })).toEqual([{ host: '127.0.0.1', port: 22133 }]);
  });
});

describe('rotation over servers', () => {
  it('sends successive pushes to successive servers, the others as fallbacks in order', () => {
    const r = new Rotation(3, 1);
    expect(r.pushOrder()).toEqual([1, 2, 0]);
    expect(r.pushOrder()).toEqual([2, 0, 1]);
    expect(r.pushOrder()).toEqual([0, 1, 2]);
  });

  it('starts each pop one server further along, visiting every server once', () => {
    const r = new Rotation(3, 2);
    const orders = [r.popOrder(), r.popOrder(), r.popOrder()];
    expect(orders.map((o) => o[0])).toEqual([2, 0, 1]);
    for (const o of orders) expect([...o].sort()).toEqual([0, 1, 2]);
  });

  it('spreads pushes evenly over the servers', () => {
    const r = new Rotation(4, 3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) counts[r.pushOrder()[0]]++;
    expect(counts).toEqual([250, 250, 250, 250]);
  });

  it('starts anywhere by default, and needs a server', () => {
    const starts = new Set<number>();
    for (let i = 0; i < 200; i++) starts.add(new Rotation(3).pushOrder()[0]);
    expect([...starts].sort()).toEqual([0, 1, 2]);
    expect(() => new Rotation(0)).toThrow();
  });
});

describe('exptimeFor', () => {
  it('sends a TTL as memcache does: relative up to 30 days, an absolute unix time beyond', async () => {
    const { exptimeFor } = await import('../../../src/client/client.js');
    const now = 1_700_000_000_000;
    expect(exptimeFor(0, now)).toBe(0);
    expect(exptimeFor(1.2, now)).toBe(2);
    expect(exptimeFor(30 * 86400, now)).toBe(30 * 86400);
    expect(exptimeFor(30 * 86400 + 1, now)).toBe(1_700_000_000 + 30 * 86400 + 1);
  });
});
