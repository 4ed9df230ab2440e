import { describe, expect, it } from 'vitest';
import { parseAddress, resolveServers, splitAddress } from '../../../src/cli/top-servers.js';

describe('rq top server addresses', () => {
  it('accepts host:port, a bare host and bracketed IPv6', () => {
    expect(parseAddress('example.org:11211')).toBe('example.org:11211');
    expect(parseAddress(' localhost ')).toBe('localhost:22133');
    expect(parseAddress('[::1]:9')).toBe('[::1]:9');
    expect(parseAddress('[::1]')).toBe('[::1]:22133');
    expect(splitAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
  });

  it('rejects bad addresses with a reason', () => {
    expect(() => parseAddress('')).toThrow(/empty/);
    expect(() => parseAddress('h:0')).toThrow(/port/);
    expect(() => parseAddress('h:99999')).toThrow(/port/);
    expect(() => parseAddress('h:12ab')).toThrow(/port/);
    expect(() => parseAddress('::1')).toThrow(/brackets/);
    expect(() => parseAddress(':80')).toThrow(/host/);
    expect(() => parseAddress('a b:80')).toThrow(/host/);
  });

  it('takes --server or --servers, else RQ_SERVERS, else RQ_SERVER, else the local default', () => {
    expect(resolveServers({ servers: 'a:1,b:2' }, { RQ_SERVERS: 'x:1' })).toEqual(['a:1', 'b:2']);
    expect(resolveServers({ server: 'a:1,b:2' }, {})).toEqual(['a:1', 'b:2']);
    expect(() => resolveServers({ servers: 'a:1', server: 'c:3' }, {})).toThrow(/not both/);
    expect(resolveServers({}, { RQ_SERVERS: 'x:1,y:2', RQ_SERVER: 'z:3' })).toEqual(['x:1', 'y:2']);
    expect(resolveServers({}, { RQ_SERVER: 'z:3' })).toEqual(['z:3']);
    expect(resolveServers({}, {})).toEqual(['127.0.0.1:22133']);
    expect(resolveServers({ servers: 'a:1,a:1' }, {})).toEqual(['a:1']);
    expect(() => resolveServers({ servers: 'a:1,' }, {})).toThrow(/empty/);
  });
});
