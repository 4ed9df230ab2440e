/** Every valid queue name has JetStream names that JetStream accepts, and reads back exactly. */
import { describe, expect, it } from 'vitest';
import { queueNameError, MAX_QUEUE_NAME_BYTES } from '../../../../src/protocol/key.js';
import {
  namesOf,
  nameOfToken,
  prefixError,
  queueOfSubject,
  STREAM_NAME_MAX,
  tokenOf,
} from '../../../../src/server/jetstream/names.js';
import { Random } from '../../../helpers/random.js';

/** JetStream's rules for a stream name and a subject token (nats-server isValidName, subject tokens). */
const SAFE = /^[A-Za-z0-9_~-]+$/;

function check(name: string): void {
  expect(queueNameError(name)).toBe(null);
  const n = namesOf('rq', name);
  expect(n.stream).toMatch(SAFE);
  expect(n.stream.length).toBeLessThanOrEqual(STREAM_NAME_MAX + 3);
  expect(n.subject.split('.')).toHaveLength(2);
  expect(n.subject.split('.')[1]).toMatch(SAFE);
  expect(queueOfSubject('rq', n.subject)).toBe(name);
}

describe('JetStream names of queues', () => {
  it('keeps plain names readable and escapes every other byte', () => {
    expect(namesOf('rq', 'jobs')).toEqual({ queue: 'jobs', stream: 'rq_jobs', subject: 'rq.jobs' });
    expect(tokenOf('a.b*c>d~e')).toBe('a~2eb~2ac~3ed~7ee');
    expect(tokenOf(Buffer.from('café').toString('latin1'))).toBe('caf~c3~a9');
    expect(tokenOf('\xff\x80')).toBe('~ff~80');
  });

  it('reads back every byte a name may hold, and the longest names', () => {
    let all = '';
    for (let b = 0x21; b <= 0xff; b++) if (b !== 0x2f && b !== 0x7f) all += String.fromCharCode(b);
    check(all.slice(0, MAX_QUEUE_NAME_BYTES));
    check(all.slice(-10));
    check('\xff'.repeat(MAX_QUEUE_NAME_BYTES));
    check('a'.repeat(MAX_QUEUE_NAME_BYTES));
    check('.');
    const random = new Random(14);
    for (let i = 0; i < 500; i++) {
      const length = random.int(1, MAX_QUEUE_NAME_BYTES);
      let name = '';
      while (name.length < length) {
        const b = random.int(0x21, 0xff);
        if (b !== 0x2f && b !== 0x7f) name += String.fromCharCode(b);
      }
      check(name);
    }
  });

  it('gives different names different streams, long ones too', () => {
    const long = 'x'.repeat(200);
    const streams = new Set([long + 'a', long + 'b', 'x'.repeat(64) + '~', 'rq', 'r~71'].map((n) => namesOf('rq', n).stream));
    expect(streams.size).toBe(5);
    expect(namesOf('rq', long + 'a').stream).toMatch(/^rq_x{64}~~[0-9a-f]{32}$/);
  });

  it('refuses tokens it does not make, and subjects of other prefixes', () => {
    for (const t of ['', '~', '~4', '~zz', '~61', 'a.b', 'A~2Eb']) expect(nameOfToken(t)).toBe(null);
    expect(queueOfSubject('rq', 'other.jobs')).toBe(null);
    expect(queueOfSubject('rq', 'rq2.jobs')).toBe(null);
    expect(prefixError('rq')).toBe(null);
    for (const p of ['', 'a_b', 'a.b', 'x'.repeat(33)]) expect(prefixError(p)).not.toBe(null);
  });
});
