/**
 * Item data still arriving (a request whose data spans reads) is held by the server until it is
 * whole: before login only what a login needs is accepted, and the bytes held across every
 * connection are bounded by --max-partial-bytes and shown in stats (docs/protocol.md: Limits).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { Authenticator } from '../../src/server/auth.js';
import type { Limits } from '../../src/server/context.js';
import { BinaryClient, setExtras } from '../helpers/binary-client.js';
import { eventually } from '../helpers/eventually.js';
import { Connections, setCommand, stats, type RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;
const PASSWORD = 'open sesame';
const BEFORE_LOGIN = 'log in first: before login, a request still arriving may hold at most 1024 bytes';

let srv: TestServer;
const conns = new Connections(() => srv.port);

afterEach(async () => {
  conns.closeAll();
  await srv?.close();
});

async function start(limits: Partial<Limits>, auth = false): Promise<void> {
  srv = await startServer({
    maxItemSize: MiB,
    limits,
    auth: auth ? new Authenticator({ users: new Map([['alice', PASSWORD]]), warnings: [] }, 10) : undefined,
  });
}

function held(): number {
  return srv.server.partialBytes.held;
}

/** A set header announcing `bytes` of data, and the first `sent` bytes of it. */
function partialSet(bytes: number, sent: number): Buffer {
  return Buffer.concat([Buffer.from(`set q 0 0 ${bytes}\r\n`), Buffer.alloc(sent, 0x61)]);
}

async function loggedIn(): Promise<RawClient> {
  const c = await conns.connect();
  expect(await c.request(setCommand('auth', `alice ${PASSWORD}`))).toBe('STORED\r\n');
  return c;
}

describe('before login (--auth-file)', () => {
  it('many connections announcing huge sets are refused unread: the server holds nothing for them', async () => {
    await start({ maxPartialBytes: 8 * MiB }, true);
    const strangers: RawClient[] = [];
    for (let i = 0; i < 100; i++) {
      const c = await conns.connect();
      c.send(partialSet(MiB, 4000));
      strangers.push(c);
    }
    for (const c of strangers) expect(await c.readLine()).toBe(`CLIENT_ERROR ${BEFORE_LOGIN}`);
    expect(held()).toBe(0);
    const c = await loggedIn();
    const s = await stats(c);
    expect(s.get('partial_bytes')).toBe('0');
    expect(s.get('partial_bytes_limit')).toBe(String(8 * MiB));
    // The data they go on sending is skipped, and they may still log in.
    const late = strangers[0];
    late.send(Buffer.alloc(MiB - 4000 + 2, 0x61));
    expect(await late.request(setCommand('auth', `alice ${PASSWORD}`))).toBe('STORED\r\n');
  });

  it('a line longer than a login needs, still arriving, closes the connection', async () => {
    await start({}, true);
    const c = await conns.connect();
    c.send(`get ${'k'.repeat(2000)}`);
    expect(await c.readLine()).toBe('CLIENT_ERROR line too long');
    await c.waitClosed();
  });

  it('a binary request with a body larger than a login needs, still arriving, is refused unread', async () => {
    await start({}, true);
    const c = new BinaryClient(await conns.connect());
    const set = encodeRequest({ opcode: OP.SET, key: 'q', extras: setExtras(), value: Buffer.alloc(MiB), opaque: 9 });
    c.send(set.subarray(0, 24 + 8 + 1 + 100));
    const reply = await c.read();
    expect([reply.opaque, reply.status, reply.value.toString()]).toEqual([9, STATUS.OUT_OF_MEMORY, BEFORE_LOGIN]);
    expect(held()).toBe(0);
    // Its body is skipped as it arrives; the connection stays in step.
    c.send(set.subarray(24 + 8 + 1 + 100));
    expect((await c.request({ opcode: OP.NOOP, opaque: 3 })).status).toBe(STATUS.AUTH_ERROR);
  });

  it('a text set whose data is still arriving is refused before login, with the reason', async () => {
    await start({}, true);
    const c = await conns.connect();
    c.send(partialSet(5000, 10));
    expect(await c.readLine()).toBe(`CLIENT_ERROR ${BEFORE_LOGIN}`);
  });

  it('a login and a set pipelined behind it in one write both go through: whole data costs nothing to hold', async () => {
    await start({}, true);
    const c = await conns.connect();
    c.send(Buffer.concat([setCommand('auth', `alice ${PASSWORD}`), setCommand('q', 'x'.repeat(5000))]));
    expect(await c.readUntil('STORED\r\nSTORED\r\n')).toBe('STORED\r\nSTORED\r\n');
  });
});

describe('--max-partial-bytes', () => {
  it('bounds the data held for sets still arriving across connections, refuses past it, and counts', async () => {
    const limit = 4 * MiB + 100; // room for four sets of 1 MiB (each holds its data and CRLF)
    await start({ maxPartialBytes: limit });
    const senders: RawClient[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await conns.connect();
      c.send(partialSet(MiB, 100));
      senders.push(c);
    }
    const refusal = `SERVER_ERROR out of memory storing object: too much item data arriving at once (max ${limit} bytes); try again\r\n`;
    await eventually(() => senders.filter((c) => c.unread.length >= refusal.length).length === 6, 'six refusals');
    const refused = senders.filter((c) => c.unread.length > 0);
    for (const c of refused) expect(await c.readUntil('\r\n')).toBe(refusal);
    expect(held()).toBe(4 * (MiB + 2));
    expect(held()).toBeLessThanOrEqual(limit);
    const s = await stats(await conns.connect());
    expect([s.get('partial_bytes'), s.get('partial_bytes_limit'), s.get('partial_refusals')]).toEqual([
      String(4 * (MiB + 2)),
      String(limit),
      '6',
    ]);
    // A held one completes; a closed one gives its bytes back.
    const [first, second] = senders.filter((c) => !refused.includes(c));
    first.send(Buffer.concat([Buffer.alloc(MiB - 100, 0x61), Buffer.from('\r\n')]));
    expect(await first.readLine()).toBe('STORED');
    second.close();
    await eventually(() => held() === 2 * (MiB + 2), 'the bytes of the finished and the closed set to be given back');
    // A refused client's data is skipped, and it may try again.
    const again = refused[0];
    again.send(Buffer.alloc(MiB - 100 + 2, 0x61));
    expect(await again.request(setCommand('q', 'y'.repeat(1000)))).toBe('STORED\r\n');
  });

  it('refuses a binary SET past the bound with Out of memory, and the stream stays in step', async () => {
    await start({ maxPartialBytes: MiB + 100 });
    const a = new BinaryClient(await conns.connect());
    const b = new BinaryClient(await conns.connect());
    const big = encodeRequest({ opcode: OP.SET, key: 'q', extras: setExtras(), value: Buffer.alloc(MiB - 200, 0x62), opaque: 1 });
    a.send(big.subarray(0, 1000));
    await eventually(() => held() > 0, 'the first body to be held');
    b.send(big.subarray(0, 1000));
    const reply = await b.read();
    expect([reply.opaque, reply.status]).toEqual([1, STATUS.OUT_OF_MEMORY]);
    expect(reply.value.toString()).toMatch(/^out of memory storing object/);
    b.send(big.subarray(1000));
    expect((await b.request({ opcode: OP.NOOP, opaque: 2 })).opaque).toBe(2);
    a.send(big.subarray(1000));
    expect((await a.read()).status).toBe(STATUS.SUCCESS);
    expect(held()).toBe(0);
  });
});
