/** --max-connections against the open-file limit (src/cli/serve/connection-limit.ts, src/server/descriptors.ts). */
import { describe, expect, it } from 'vitest';
import { chooseMaxConnections } from '../../../../src/cli/serve/connection-limit.js';
import { openFileLimit, parseProcLimits, RESERVED_DESCRIPTORS } from '../../../../src/server/descriptors.js';

describe('chooseMaxConnections', () => {
  it('keeps the default of 1024 when the descriptors allow it, or when the limit is unknown', () => {
    expect(chooseMaxConnections(undefined, 1024 + RESERVED_DESCRIPTORS)).toEqual({ max: 1024, warning: null });
    expect(chooseMaxConnections(undefined, Infinity)).toEqual({ max: 1024, warning: null });
    expect(chooseMaxConnections(undefined, null)).toEqual({ max: 1024, warning: null });
  });

  it('lowers the default to what the limit leaves room for, and says so', () => {
    expect(chooseMaxConnections(undefined, 1024)).toEqual({
      max: 1024 - RESERVED_DESCRIPTORS,
      warning: `--max-connections lowered to ${1024 - RESERVED_DESCRIPTORS} to fit the open file limit`,
    });
    expect(chooseMaxConnections(undefined, 10).max).toBe(1);
  });

  it('keeps a limit given, warning when the descriptors cannot honour it (0: no limit)', () => {
    expect(chooseMaxConnections(100, 1024)).toEqual({ max: 100, warning: null });
    expect(chooseMaxConnections(5000, 1024).warning).toMatch(
      new RegExp(
        `^--max-connections 5000 is more than the open file limit leaves room for: clients past about ${1024 - RESERVED_DESCRIPTORS} connections`,
      ),
    );
    const none = chooseMaxConnections(0, 1024);
    expect(none.max).toBe(Infinity);
    expect(none.warning).toMatch(/^--max-connections 0 \(no limit\) is more/);
    expect(chooseMaxConnections(0, Infinity)).toEqual({ max: Infinity, warning: null });
  });
});

describe('the open-file limit', () => {
  it('is read from /proc/<pid>/limits (the soft limit; unlimited is Infinity)', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             63704                63704                processes ',
      'Max open files            1024                 524288               files     ',
    ].join('\n');
    expect(parseProcLimits(text)).toBe(1024);
    expect(parseProcLimits(text.replace('1024 ', 'unlimited '))).toBe(Infinity);
    expect(parseProcLimits('nothing here')).toBeNull();
  });

  it('of this process is a number', () => {
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});
