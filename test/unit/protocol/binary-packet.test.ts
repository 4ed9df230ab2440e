/** Binary packets: exact header bytes, and encode/decode round trips for requests and responses. */
import { describe, expect, it } from 'vitest';
import { MAGIC_REQUEST, MAGIC_RESPONSE, OFFSET, OP, STATUS } from '../../../src/protocol/binary/constants.js';
import { decodePackets, encodeRequest, encodeResponse, readCas, type PacketFields } from '../../../src/protocol/binary/packet.js';
import { BinaryParser } from '../../../src/protocol/binary/parser.js';

describe('encodeResponse', () => {
  it('lays out the header as the spec does (section 2), big-endian', () => {
    const b = encodeResponse({
      opcode: OP.GETK,
      status: STATUS.SUCCESS,
      opaque: 0x01020304,
      cas: 2 ** 52 + 3,
      extras: Buffer.from([0, 0, 0, 16]),
      key: 'q',
      value: 'hi',
    });
    expect(b.toString('hex')).toBe(
      '81' + '0c' + '0001' + '04' + '00' + '0000' + '00000007' + '01020304' + '0010000000000003' + '00000010' + '71' + '6869',
    );
  });

  it('writes the status where a request has its vbucket id', () => {
    const b = encodeResponse({ opcode: OP.GET, status: STATUS.NOT_SUPPORTED, opaque: 1 });
    expect(b.readUInt16BE(6)).toBe(0x0083);
    expect(b.length).toBe(24);
  });
});

const responses: PacketFields[] = [
  { opcode: OP.GET, status: STATUS.SUCCESS, opaque: 1, cas: 42, extras: Buffer.from([0, 0, 0, 1]), value: 'data' },
  {
    opcode: OP.GETKQ,
    opaque: 0xffffffff,
    cas: Number.MAX_SAFE_INTEGER,
    extras: Buffer.alloc(4),
    key: 'q/t=5',
    value: Buffer.from([0, 255]),
  },
  { opcode: OP.STAT, key: 'curr_items', value: '3', opaque: 9 },
  { opcode: OP.STAT, opaque: 9 },
  { opcode: OP.DELETE, status: STATUS.KEY_NOT_FOUND, value: 'Not found', opaque: 2 },
];

describe('decodePackets', () => {
  it('round-trips responses, whole and split', () => {
    const bytes = Buffer.concat(responses.map(encodeResponse));
    const { packets, used } = decodePackets(bytes);
    expect(used).toBe(bytes.length);
    expect(packets).toHaveLength(responses.length);
    packets.forEach((p, i) => {
      const f = responses[i];
      expect(p.magic).toBe(MAGIC_RESPONSE);
      expect(p.opcode).toBe(f.opcode);
      expect(p.status).toBe(f.status ?? 0);
      expect(p.opaque).toBe(f.opaque ?? 0);
      expect(p.cas).toBe(f.cas ?? 0);
      expect(p.extras).toEqual(f.extras ?? Buffer.alloc(0));
      expect(p.key.toString('latin1')).toBe(typeof f.key === 'string' ? f.key : '');
      expect(p.value).toEqual(typeof f.value === 'string' ? Buffer.from(f.value, 'latin1') : (f.value ?? Buffer.alloc(0)));
    });
    // An incomplete tail is left alone.
    const partial = decodePackets(bytes.subarray(0, bytes.length - 1));
    expect(partial.packets).toHaveLength(responses.length - 1);
    expect(partial.used).toBe(bytes.length - encodeResponse(responses[responses.length - 1]).length);
  });

  it('refuses a packet whose key and extras do not fit its body', () => {
    const b = encodeResponse({ opcode: OP.GET, key: 'abc' });
    b.writeUInt32BE(1, 8);
    expect(() => decodePackets(b)).toThrow(/longer than the body/);
  });
});

describe('encodeRequest → BinaryParser', () => {
  it('round-trips every field rq reads', () => {
    const extras = Buffer.alloc(8);
    extras.writeUInt32BE(0xfffffffe, 0);
    extras.writeUInt32BE(3600, 4);
    const bytes = encodeRequest({ opcode: OP.SETQ, opaque: 77, key: 'jobs', extras, value: Buffer.from([1, 2, 3]) });
    expect(bytes[0]).toBe(MAGIC_REQUEST);
    const [r] = new BinaryParser(1024).push(bytes);
    expect(r).toEqual({
      type: 'set',
      opcode: OP.SETQ,
      opaque: 77,
      key: 'jobs',
      flags: 0xfffffffe,
      exptime: 3600,
      value: Buffer.from([1, 2, 3]),
      quiet: true,
    });
    const [d] = new BinaryParser(1024).push(encodeRequest({ opcode: OP.DELETE, key: 'jobs', cas: 2 ** 53 - 1 }));
    expect(d).toMatchObject({ type: 'delete', cas: 2 ** 53 - 1 });
  });
});

describe('readCas', () => {
  it('reads the 8 bytes writeHeader writes, exactly up to 2^53 - 1, wherever they are', () => {
    for (const cas of [0, 1, 0xffffffff, 2 ** 32, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER]) {
      const header = encodeRequest({ opcode: OP.GET, cas });
      expect(readCas(header, OFFSET.cas)).toBe(cas);
      expect(readCas(header.subarray(OFFSET.cas, OFFSET.cas + 8), 0)).toBe(cas);
    }
  });
});
