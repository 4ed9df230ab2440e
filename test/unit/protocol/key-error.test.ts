/** KeyError is cached with the parsed keys: it must not carry a stack (which would keep its sender alive). */
import { describe, expect, it } from 'vitest';
import { KeyError, parseKeyCached } from '../../../src/protocol/key.js';

describe('KeyError', () => {
  it('has its message and no stack frames, and leaves the stack trace limit as it was', () => {
    const limit = Error.stackTraceLimit;
    const err = parseKeyCached('q/bogus');
    expect(err).toBeInstanceOf(KeyError);
    expect((err as KeyError).message).toBe('unknown option "bogus"');
    expect((err as KeyError).stack ?? '').not.toContain('\n    at ');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('x').stack).toContain('\n    at ');
  });
});
