import { describe, expect, it } from 'vitest';
import { topServers } from '../../../../src/cli/top/servers.js';

describe('rq top servers', () => {
  it('takes --server or --servers, else RQ_SERVERS, else RQ_SERVER, else the local default', () => {
    expect(topServers({ servers: 'a:1,b:2' }, { RQ_SERVERS: 'x:1' })).toEqual(['a:1', 'b:2']);
    expect(topServers({ server: 'a:1,[::1]' }, {})).toEqual(['a:1', '[::1]:22133']);
    expect(topServers({}, { RQ_SERVERS: 'x:1,y:2', RQ_SERVER: 'z:3' })).toEqual(['x:1', 'y:2']);
    expect(topServers({}, { RQ_SERVER: 'z:3' })).toEqual(['z:3']);
    expect(topServers({}, {})).toEqual(['127.0.0.1:22133']);
  });

  it('refuses what the other subcommands refuse, and repeated or conflicting options', () => {
    expect(() => topServers({ servers: 'a:1', server: 'c:3' }, {})).toThrow(/not both/);
    expect(() => topServers({ server: ['a:1', 'b:2'] }, {})).toThrow(/once/);
    expect(() => topServers({ server: 'a:1,a:1' }, {})).toThrow(/twice/);
    expect(() => topServers({ server: 'h:0' }, {})).toThrow(/port/);
    expect(() => topServers({ server: '::1' }, {})).toThrow(/brackets/);
    expect(() => topServers({ server: '' }, {})).toThrow();
    expect(() => topServers({}, { RQ_SERVERS: 'a:1,::1' })).toThrow(/brackets/);
  });
});
