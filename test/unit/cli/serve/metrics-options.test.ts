/** `rq serve --metrics`'s address: host:port, [ipv6]:port, a port alone, or nothing for the default. */
import { describe, expect, it } from 'vitest';
import { parseMetricsAddress } from '../../../../src/cli/serve/metrics-options.js';

describe('parseMetricsAddress', () => {
  it.each([
    ['127.0.0.1:9133', { host: '127.0.0.1', port: 9133 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:9133', { host: '::1', port: 9133 }],
    ['[::]:80', { host: '::', port: 80 }],
    ['localhost:9133', { host: 'localhost', port: 9133 }],
    ['9200', { host: '127.0.0.1', port: 9200 }],
    ['', { host: '127.0.0.1', port: 9133 }],
  ])('%j is %j', (value, address) => {
    expect(parseMetricsAddress(value)).toEqual(address);
  });

  it.each(['127.0.0.1', '::1:9133', '[::1]', 'host:', ':9133x', 'a b:1', 'host:123456', '[zz]:1'])(
    'refuses %j, saying what it takes',
    (value) => {
      expect(parseMetricsAddress(value)).toMatch(/^--metrics takes host:port, \[ipv6\]:port or a port/);
    },
  );

  it('refuses a port past 65535', () => {
    expect(parseMetricsAddress('127.0.0.1:65536')).toBe('--metrics: port 65536 is not 0–65535');
  });
});
