import { describe, expect, it } from 'vitest';
import { decodePackets } from '../../../src/protocol/binary/packet.js';
import { OP } from '../../../src/protocol/binary/constants.js';
import { encodeBatch, encodeGet } from '../../../src/client/requests.js';

describe('encodeBatch', () => {
  it('copies encoded requests into one buffer, their opaques counting up', () => {
    const a = encodeGet('q/open/deliveries', 0);
    const b = encodeGet('q/close/open/deliveries', 77);
    const { packets, used } = decodePackets(encodeBatch([b, a, b], 5));
    expect(used).toBe(a.length + 2 * b.length);
    expect(packets.map((p) => [p.opcode, p.key.toString('latin1'), p.opaque])).toEqual([
      [OP.GET, 'q/close/open/deliveries', 5],
      [OP.GET, 'q/open/deliveries', 6],
      [OP.GET, 'q/close/open/deliveries', 7],
    ]);
    // The templates are left as they were.
    expect(decodePackets(b).packets[0].opaque).toBe(77);
  });

  it('wraps opaques at 2^32, and copies even a single request', () => {
    const a = encodeGet('q', 0);
    const one = encodeBatch([a], 3);
    expect(one).not.toBe(a);
    expect(decodePackets(one).packets[0].opaque).toBe(3);
    expect(decodePackets(encodeBatch([a, a, a], 0xffff_ffff)).packets.map((p) => p.opaque)).toEqual([0xffff_ffff, 0, 1]);
  });
});
