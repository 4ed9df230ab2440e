/**
 * BinarySession over an in-memory duplex stream (no port): the same conversation gives the same
 * bytes back whether it arrives whole, byte by byte, or in odd-sized pieces.
 */
import { duplexPair } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { OP } from '../../../src/protocol/binary/constants.js';
import { decodePackets, encodeRequest, type PacketFields } from '../../../src/protocol/binary/packet.js';
import type { Durability } from '../../../src/server/durability.js';
import { MEMORY_ONLY, memoryOnly } from '../../../src/server/persistence.js';
import { RqServer } from '../../../src/server/server.js';
import { testLimits } from '../../helpers/server.js';

const servers: RqServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function newServer(durability?: Durability): RqServer {
  const limits = testLimits({ maxItemSize: 100 });
  const { engine } = memoryOnly(limits);
  const s = new RqServer(
    { host: '127.0.0.1', port: 0, limits },
    { engine, persistence: { ...MEMORY_ONLY, durability: durability ?? MEMORY_ONLY.durability } },
  );
  servers.push(s);
  return s;
}

function extras(flags: number, exptime: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(flags, 0);
  b.writeUInt32BE(exptime, 4);
  return b;
}

const conversation: PacketFields[] = [
  { opcode: OP.SET, key: 'q', extras: extras(1, 0), value: 'first', opaque: 1 },
  { opcode: OP.SETQ, key: 'q', extras: extras(2, 0), value: Buffer.alloc(100, 7), opaque: 2 },
  { opcode: OP.SET, key: 'q', extras: extras(3, 0), value: Buffer.alloc(101, 7), opaque: 3 },
  { opcode: OP.GETKQ, key: 'q', opaque: 4 },
  { opcode: OP.GETQ, key: 'empty', opaque: 5 },
  { opcode: OP.NOOP, opaque: 6 },
  { opcode: OP.GET, key: 'q/close/open', opaque: 7 },
  { opcode: OP.GET, key: 'q/close/open/t=20', opaque: 8 },
  { opcode: OP.ADD, key: 'q', extras: extras(0, 0), value: 'x', opaque: 9 },
  { opcode: OP.DELETE, key: 'q', opaque: 10 },
  { opcode: OP.STAT, key: 'settings', opaque: 11 },
  { opcode: OP.VERSION, opaque: 12 },
  { opcode: OP.QUIT, opaque: 13 },
];

/** Sends `bytes` in pieces of `size` (one write each), returns every byte the server sends until it closes. */
async function converse(bytes: Buffer, size: number, durability?: Durability): Promise<Buffer> {
  const [client, server] = duplexPair();
  newServer(durability).handle(server);
  const received: Buffer[] = [];
  client.on('data', (b: Buffer) => received.push(b));
  const ended = new Promise<void>((resolve) => client.on('end', () => resolve()));
  for (let i = 0; i < bytes.length; i += size) {
    client.write(bytes.subarray(i, i + size));
    // Let the server read each piece as its own chunk.
    await new Promise((r) => setImmediate(r));
  }
  await ended;
  client.destroy();
  return Buffer.concat(received);
}

describe('BinarySession', () => {
  const input = Buffer.concat(conversation.map(encodeRequest));

  it('answers a whole conversation as the protocol says', async () => {
    const out = await converse(input, input.length);
    const { packets, used } = decodePackets(out);
    expect(used).toBe(out.length);
    expect(packets.map((p) => [p.opcode, p.opaque, p.status])).toEqual([
      [OP.SET, 1, 0],
      [OP.SET, 3, 0x0003],
      [OP.GETKQ, 4, 0],
      [OP.NOOP, 6, 0],
      [OP.GET, 7, 0],
      [OP.GET, 8, 0x0001],
      [OP.ADD, 9, 0x0083],
      [OP.DELETE, 10, 0x0001],
      [OP.STAT, 11, 0],
      [OP.VERSION, 12, 0],
      [OP.QUIT, 13, 0],
    ]);
    expect(packets[2].value.toString()).toBe('first');
    expect(packets[4].value).toEqual(Buffer.alloc(100, 7));
  });

  it('gives the same bytes back for any chunking', async () => {
    const whole = await converse(input, input.length);
    for (const size of [1, 3, 23, 24, 25, 64]) {
      const got = await converse(input, size);
      // Item ids are per server, and each run is a new server: equal bytes, CAS included.
      expect(got.toString('hex'), `pieces of ${size}`).toBe(whole.toString('hex'));
    }
  });

  it('with deliveries, answers the key followed by the count, whatever its digits', async () => {
    const requests: PacketFields[] = [{ opcode: OP.SETQ, key: 'q', extras: extras(5, 0), value: 'item' }];
    for (let i = 1; i <= 12; i++) {
      requests.push({ opcode: i % 2 ? OP.GET : OP.GETQ, key: 'q/open/deliveries', opaque: i });
      requests.push({ opcode: OP.DELETEQ, key: 'q/abort' });
    }
    requests.push({ opcode: OP.QUIT, opaque: 99 });
    const input = Buffer.concat(requests.map(encodeRequest));
    const out = await converse(input, input.length);
    const { packets, used } = decodePackets(out);
    expect(used).toBe(out.length);
    expect(packets.map((p) => [p.opaque, p.status, p.key.toString(), p.extras.toString('hex'), p.value.toString()])).toEqual([
      ...Array.from({ length: 12 }, (_, i) => [i + 1, 0, `q/open/deliveries=${i + 1}`, '00000005', 'item']),
      [99, 0, '', '', ''],
    ]);
  });

  it('tells the client and closes when the journal cannot make a batch durable', async () => {
    // A journal whose write fails: changes are appended but never become durable.
    const failing: Durability = {
      appended: 1,
      durable: 0,
      whenDurable(_position, done) {
        queueMicrotask(() => done(new Error('disk full')));
      },
    };
    const request = encodeRequest({ opcode: OP.SET, key: 'q', extras: extras(0, 0), value: 'lost?', opaque: 5 });
    const out = await converse(request, request.length, failing);
    const { packets, used } = decodePackets(out);
    expect(used).toBe(out.length);
    // The SET's own reply is never sent: its outcome is unknown, and the client is told so.
    expect(packets.map((p) => [p.opcode, p.opaque, p.status, p.value.toString()])).toEqual([
      [OP.NOOP, 0, 0x0084, 'journal write failed: disk full'],
    ]);
  });
});
