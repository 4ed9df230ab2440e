/** The warning rq serve prints when it listens where others can reach it. */
import { describe, expect, it } from 'vitest';
import { exposureWarnings, isLoopback, metricsExposureWarnings } from '../../../../src/cli/serve/exposure.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is loopback', (a) => expect(isLoopback(a)).toBe(true));
  it.each(['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1'])('%s is not', (a) =>
    expect(isLoopback(a)).toBe(false),
  );
});

describe('exposureWarnings', () => {
  it('says nothing on loopback', () => {
    expect(exposureWarnings('127.0.0.1', 22133, false, false)).toEqual([]);
  });

  it('without --auth-file, says exactly what anyone who can reach the port can do', () => {
    const [auth, tls] = exposureWarnings('0.0.0.0', 22133, false, false);
    expect(auth).toContain('listening on 0.0.0.0:22133 without --auth-file');
    for (const power of [
      'enqueue items',
      'read, take, acknowledge and release every queued item',
      'empty or delete any queue',
      'stats',
    ]) {
      expect(auth).toContain(power);
    }
    expect(tls).toContain('without TLS: items cross the network unencrypted');
  });

  it('with logins but no TLS, warns that passwords travel in clear', () => {
    expect(exposureWarnings('::', 1, true, false)).toEqual([
      expect.stringContaining('[::]:1 without TLS: items, user names and passwords'),
    ]);
  });

  it('with both, says nothing', () => {
    expect(exposureWarnings('10.0.0.1', 1, true, true)).toEqual([]);
  });
});

describe('metricsExposureWarnings', () => {
  it('says nothing on loopback, and off it what anyone can read there without a login', () => {
    expect(metricsExposureWarnings('127.0.0.1', 9133)).toEqual([]);
    expect(metricsExposureWarnings('::1', 9133)).toEqual([]);
    const [warning] = metricsExposureWarnings('0.0.0.0', 9133);
    expect(warning).toContain('serving metrics on 0.0.0.0:9133');
    expect(warning).toContain("every queue's name, size and rates");
    expect(metricsExposureWarnings('::', 9)).toEqual([expect.stringContaining('[::]:9')]);
  });
});
