/** The queue semantics of the binary protocol, with hand-built packets against the real server over TCP. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import type { Packet } from '../../src/protocol/binary/packet.js';
import { BinaryClient, setExtras } from '../helpers/binary-client.js';
import { Connections, RawClient } from '../helpers/raw-client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';

let srv: TestServer;
const conns = new Connections(() => srv.port);

async function connect(): Promise<BinaryClient> {
  return conns.add(await BinaryClient.connect(srv.port));
}

function set(queue: string, value: string | Buffer, opaque = 0, flags = 0, exptime = 0) {
  return { opcode: OP.SET, key: queue, extras: setExtras(flags, exptime), value, opaque };
}

function flagsOf(p: Packet): number {
  return p.extras.readUInt32BE(0);
}

beforeEach(async () => {
  srv = await startServer({ maxOpen: 3 });
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
});

describe('worker flow (SET, GET, DELETE)', () => {
  it('enqueues, reserves the head with flags and the item id as CAS, acknowledges', async () => {
    const c = await connect();
    const stored = await c.request(set('jobs', 'one', 11, 16));
    expect(stored).toMatchObject({ magic: 0x81, opcode: OP.SET, status: STATUS.SUCCESS, opaque: 11 });
    expect(stored.cas).toBeGreaterThan(0);
    const stored2 = await c.request(set('jobs', 'two', 12));
    expect(stored2.cas).toBeGreaterThan(stored.cas);

    const hit = await c.request({ opcode: OP.GET, key: 'jobs', opaque: 13 });
    expect(hit).toMatchObject({ opcode: OP.GET, status: STATUS.SUCCESS, opaque: 13, cas: stored.cas });
    expect(flagsOf(hit)).toBe(16);
    expect(hit.extras.length).toBe(4);
    expect(hit.key.length).toBe(0);
    expect(hit.value.toString()).toBe('one');

    expect(await c.request({ opcode: OP.DELETE, key: 'jobs', opaque: 14 })).toMatchObject({ status: STATUS.SUCCESS, opaque: 14 });
    const next = await c.request({ opcode: OP.GET, key: 'jobs', opaque: 15 });
    expect(next.value.toString()).toBe('two');
    expect(next.cas).toBe(stored2.cas);
    expect(await c.request({ opcode: OP.DELETE, key: 'jobs' })).toMatchObject({ status: STATUS.SUCCESS });

    const miss = await c.request({ opcode: OP.GET, key: 'jobs', opaque: 16 });
    expect(miss).toMatchObject({ status: STATUS.KEY_NOT_FOUND, opaque: 16 });
    expect(miss.value.toString()).toBe('Not found');
    const notHeld = await c.request({ opcode: OP.DELETE, key: 'jobs', opaque: 17 });
    expect(notHeld).toMatchObject({ status: STATUS.KEY_NOT_FOUND, opaque: 17 });
  });

  it('keeps binary data and 32-bit flags byte for byte', async () => {
    const c = await connect();
    const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await c.request(set('bin', data, 1, 0xffffffff));
    const hit = await c.request({ opcode: OP.GET, key: 'bin' });
    expect(hit.value).toEqual(data);
    expect(flagsOf(hit)).toBe(0xffffffff);
  });

  it('GETK carries the key as sent, on a hit and on a miss', async () => {
    const c = await connect();
    await c.request(set('q', 'a'));
    const hit = await c.request({ opcode: OP.GETK, key: 'q/open', opaque: 3 });
    expect(hit).toMatchObject({ opcode: OP.GETK, status: STATUS.SUCCESS, opaque: 3 });
    expect(hit.key.toString()).toBe('q/open');
    expect(hit.value.toString()).toBe('a');
    const miss = await c.request({ opcode: OP.GETK, key: 'q/open', opaque: 4 });
    expect(miss).toMatchObject({ status: STATUS.KEY_NOT_FOUND, opaque: 4 });
    expect(miss.key.toString()).toBe('q/open');
    expect(miss.value.length).toBe(0);
  });

  it('close/open acknowledges and reserves in one request; abort puts back; peek does not reserve', async () => {
    const c = await connect();
    c.send(set('q', 'a'), set('q', 'b'), set('q', 'c'));
    await c.readN(3);
    expect((await c.request({ opcode: OP.GET, key: 'q/open' })).value.toString()).toBe('a');
    expect((await c.request({ opcode: OP.GET, key: 'q/close/open' })).value.toString()).toBe('b');
    expect(await c.request({ opcode: OP.GET, key: 'q/close', opaque: 5 })).toMatchObject({
      status: STATUS.KEY_NOT_FOUND,
      opaque: 5,
    });
    expect((await c.request({ opcode: OP.GET, key: 'q' })).value.toString()).toBe('c');
    expect((await c.request({ opcode: OP.GET, key: 'q/abort' })).status).toBe(STATUS.KEY_NOT_FOUND);
    expect((await c.request({ opcode: OP.GET, key: 'q/peek' })).value.toString()).toBe('c');
    expect((await c.request({ opcode: OP.GET, key: 'q/peek' })).value.toString()).toBe('c');
    c.send({ opcode: OP.STAT });
    const stats = await c.readStats();
    expect(stats.get('queue_q_acked')).toBe('2');
    expect(stats.get('queue_q_items')).toBe('1');
    expect(stats.get('queue_q_open')).toBe('0');
  });

  it('shares queues with the text protocol', async () => {
    const text = await RawClient.connect(srv.port);
    conns.add(text);
    expect(await text.request('set shared 5 0 4\r\nfrom\r\n')).toBe('STORED\r\n');
    const b = await connect();
    const hit = await b.request({ opcode: OP.GET, key: 'shared' });
    expect(hit.value.toString()).toBe('from');
    expect(flagsOf(hit)).toBe(5);
    await b.request(set('shared', 'back', 0, 7));
    expect(await text.request('get shared\r\n', 'END\r\n')).toBe('VALUE shared 7 4\r\nback\r\nEND\r\n');
  });

  it('keeps queue names byte for byte (non-ASCII names, shared with the text protocol)', async () => {
    const c = await connect();
    const name = Buffer.from('café-キュー', 'utf8');
    await c.request({ opcode: OP.SET, key: name, extras: setExtras(), value: 'x' });
    const hit = await c.request({ opcode: OP.GETK, key: Buffer.concat([name, Buffer.from('/peek')]) });
    expect(hit.key).toEqual(Buffer.concat([name, Buffer.from('/peek')]));
    const text = await RawClient.connect(srv.port);
    conns.add(text);
    const reply = await text.request(Buffer.concat([Buffer.from('get '), name, Buffer.from('\r\n')]), 'END\r\n');
    expect(Buffer.from(reply, 'latin1')).toEqual(
      Buffer.concat([Buffer.from('VALUE '), name, Buffer.from(' 0 1\r\nx\r\nEND\r\n')]),
    );
  });

  it('never delivers an expired item (exptime in SET extras)', async () => {
    const c = await connect();
    const nowS = Math.floor(Date.now() / 1000);
    await c.request(set('q', 'past', 0, 0, nowS - 10));
    await c.request(set('q', 'future', 0, 0, nowS + 1000));
    expect((await c.request({ opcode: OP.GET, key: 'q' })).value.toString()).toBe('future');
  });
});

describe('quiet forms and NOOP batches', () => {
  it('GETQ and GETKQ misses are silent; hits come back in order; NOOP ends the batch', async () => {
    const c = await connect();
    c.send(set('a', 'A'), set('c', 'C'));
    await c.readN(2);
    c.send(
      { opcode: OP.GETQ, key: 'a', opaque: 1 },
      { opcode: OP.GETKQ, key: 'b', opaque: 2 },
      { opcode: OP.GETKQ, key: 'c', opaque: 3 },
      { opcode: OP.GETQ, key: 'd', opaque: 4 },
      { opcode: OP.NOOP, opaque: 5 },
    );
    const replies = await c.readUntilOpaque(5);
    expect(replies.map((p) => [p.opcode, p.opaque, p.key.toString(), p.value.toString()])).toEqual([
      [OP.GETQ, 1, '', 'A'],
      [OP.GETKQ, 3, 'c', 'C'],
      [OP.NOOP, 5, '', ''],
    ]);
    expect(replies[2].status).toBe(STATUS.SUCCESS);
  });

  it('SETQ, DELETEQ and FLUSHQ are silent on success and not on error', async () => {
    const c = await connect();
    c.send(
      { ...set('q', 'x'), opcode: OP.SETQ, opaque: 1 },
      { ...set('bad name', 'x'), opcode: OP.SETQ, opaque: 2 },
      { opcode: OP.GET, key: 'q', opaque: 3 },
      { opcode: OP.DELETEQ, key: 'q', opaque: 4 },
      { opcode: OP.DELETEQ, key: 'q', opaque: 5 },
      { opcode: OP.FLUSHQ, opaque: 6 },
      { opcode: OP.FLUSHQ, key: 'bad\x01', opaque: 7 },
      { opcode: OP.NOOP, opaque: 8 },
    );
    const replies = await c.readUntilOpaque(8);
    expect(replies.map((p) => [p.opcode, p.opaque, p.status])).toEqual([
      [OP.SETQ, 2, STATUS.INVALID_ARGUMENTS],
      [OP.GET, 3, STATUS.SUCCESS],
      [OP.DELETEQ, 5, STATUS.KEY_NOT_FOUND],
      [OP.FLUSHQ, 7, STATUS.INVALID_ARGUMENTS],
      [OP.NOOP, 8, STATUS.SUCCESS],
    ]);
    expect(replies[0].value.toString()).toMatch(/queue name contains a space/);
  });
});

describe('DELETE by id', () => {
  it('acknowledges the item named by CAS, from another connection; abort with CAS releases it', async () => {
    const a = await connect();
    const b = await connect();
    a.send(set('q', 'x'), set('q', 'y'));
    await a.readN(2);
    const x = await a.request({ opcode: OP.GET, key: 'q' });
    const y = await a.request({ opcode: OP.GET, key: 'q' });
    expect(await b.request({ opcode: OP.DELETE, key: 'q', cas: x.cas, opaque: 1 })).toMatchObject({ status: STATUS.SUCCESS });
    expect(await b.request({ opcode: OP.DELETE, key: 'q', cas: x.cas, opaque: 2 })).toMatchObject({
      status: STATUS.KEY_NOT_FOUND,
    });
    expect(await b.request({ opcode: OP.DELETE, key: 'q/abort', cas: y.cas })).toMatchObject({ status: STATUS.SUCCESS });
    const again = await b.request({ opcode: OP.GET, key: 'q' });
    expect([again.value.toString(), again.cas]).toEqual(['y', y.cas]);
    // a no longer holds anything on q
    expect((await a.request({ opcode: OP.DELETE, key: 'q' })).status).toBe(STATUS.KEY_NOT_FOUND);
    // id= in the key works as in the text protocol, and may agree with CAS
    expect((await b.request({ opcode: OP.DELETE, key: `q/id=${y.cas}`, cas: y.cas })).status).toBe(STATUS.SUCCESS);
  });

  it('refuses a CAS that disagrees with id=, or that cannot be an item id', async () => {
    const c = await connect();
    const bad = await c.request({ opcode: OP.DELETE, key: 'q/id=5', cas: 6, opaque: 1 });
    expect(bad).toMatchObject({ status: STATUS.INVALID_ARGUMENTS, opaque: 1 });
    expect(bad.value.toString()).toBe('CAS and id= name different items');
    const huge = await c.request({ opcode: OP.DELETE, key: 'q', cas: 2 ** 60, opaque: 2 });
    expect(huge).toMatchObject({ status: STATUS.INVALID_ARGUMENTS, opaque: 2 });
    expect(huge.value.toString()).toBe('CAS is not an item id');
    const opt = await c.request({ opcode: OP.DELETE, key: 'q/open' });
    expect(opt.status).toBe(STATUS.INVALID_ARGUMENTS);
    expect(opt.value.toString()).toMatch(/delete takes only the options abort, id=<n>, delay=<ms> and outcome/);
  });
});

describe('reservations and connections', () => {
  it('returns held items to the head when the connection closes', async () => {
    const a = await connect();
    a.send(set('q', '1'), set('q', '2'));
    await a.readN(2);
    await a.request({ opcode: OP.GET, key: 'q' });
    a.close();
    const b = await connect();
    await eventually(async () => {
      b.send({ opcode: OP.STAT });
      return (await b.readStats()).get('queue_q_items') === '2';
    }, 'the items to come back');
    expect((await b.request({ opcode: OP.GET, key: 'q' })).value.toString()).toBe('1');
  });

  it('answers 0x0086 past --max-open, with the reason', async () => {
    const c = await connect();
    for (let i = 0; i < 4; i++) await c.request(set('q', `${i}`));
    for (let i = 0; i < 3; i++) expect((await c.request({ opcode: OP.GET, key: 'q' })).value.toString()).toBe(`${i}`);
    const full = await c.request({ opcode: OP.GETQ, key: 'q', opaque: 9 });
    expect(full).toMatchObject({ opcode: OP.GETQ, status: STATUS.TEMPORARY_FAILURE, opaque: 9 });
    expect(full.value.toString()).toMatch(/^too many open reservations on q \(max 3\)/);
    // close/open frees one first, so it is allowed
    expect((await c.request({ opcode: OP.GET, key: 'q/close/open' })).value.toString()).toBe('3');
  });
});

describe('blocking GET (q/t=)', () => {
  it('is woken by a SET on another connection and holds back the requests behind it', async () => {
    const waiter = await connect();
    const producer = await connect();
    waiter.send({ opcode: OP.GETK, key: 'q/t=10000', opaque: 1 }, { opcode: OP.VERSION, opaque: 2 });
    await eventually(async () => {
      producer.send({ opcode: OP.STAT });
      return (await producer.readStats()).get('queue_q_waiters') === '1';
    }, 'the waiter');
    expect(waiter.raw.unread.length).toBe(0);
    const stored = await producer.request(set('q', 'wake', 0, 3));
    const hit = await waiter.read();
    expect(hit).toMatchObject({ opcode: OP.GETK, opaque: 1, status: STATUS.SUCCESS, cas: stored.cas });
    expect([hit.key.toString(), hit.value.toString(), flagsOf(hit)]).toEqual(['q/t=10000', 'wake', 3]);
    expect(await waiter.read()).toMatchObject({ opcode: OP.VERSION, opaque: 2 });
  });

  it('times out with a miss, and silently for GETQ', async () => {
    const c = await connect();
    expect(await c.request({ opcode: OP.GET, key: 'q/t=30', opaque: 1 })).toMatchObject({
      status: STATUS.KEY_NOT_FOUND,
      opaque: 1,
    });
    c.send({ opcode: OP.GETQ, key: 'q/t=30', opaque: 2 }, { opcode: OP.NOOP, opaque: 3 });
    expect(await c.readUntilOpaque(3)).toHaveLength(1);
  });
});

describe('FLUSH, STAT, VERSION, NOOP, VERBOSITY, QUIT', () => {
  it('FLUSH with no extras empties every queue; a key flushes one queue', async () => {
    const c = await connect();
    c.send(set('a', '1'), set('b', '2'), set('c', '3'));
    await c.readN(3);
    expect(await c.request({ opcode: OP.FLUSH, key: 'a', opaque: 1 })).toMatchObject({ status: STATUS.SUCCESS, opaque: 1 });
    expect((await c.request({ opcode: OP.GET, key: 'a' })).status).toBe(STATUS.KEY_NOT_FOUND);
    expect((await c.request({ opcode: OP.GET, key: 'b/peek' })).value.toString()).toBe('2');
    expect(await c.request({ opcode: OP.FLUSH, opaque: 2 })).toMatchObject({ status: STATUS.SUCCESS, opaque: 2 });
    expect((await c.request({ opcode: OP.GET, key: 'b' })).status).toBe(STATUS.KEY_NOT_FOUND);
    expect((await c.request({ opcode: OP.GET, key: 'c' })).status).toBe(STATUS.KEY_NOT_FOUND);
  });

  it('FLUSH with 4 bytes of extras delays the flush by that many seconds', async () => {
    const c = await connect();
    await c.request(set('q', 'stays'));
    const delay = Buffer.alloc(4);
    delay.writeUInt32BE(3600);
    expect(await c.request({ opcode: OP.FLUSH, extras: delay })).toMatchObject({ status: STATUS.SUCCESS });
    expect((await c.request({ opcode: OP.GET, key: 'q' })).value.toString()).toBe('stays');
  });

  it('STAT sends every stat then an empty packet; empty groups end at once; unknown groups are refused', async () => {
    const c = await connect();
    await c.request(set('q', 'x'));
    c.send({ opcode: OP.STAT, opaque: 7 });
    const packets: Packet[] = [];
    for (;;) {
      const p = await c.read();
      packets.push(p);
      if (p.key.length === 0) break;
    }
    expect(packets.every((p) => p.opcode === OP.STAT && p.opaque === 7 && p.status === 0)).toBe(true);
    const last = packets[packets.length - 1];
    expect([last.key.length, last.value.length, last.extras.length]).toEqual([0, 0, 0]);
    const names = packets.map((p) => p.key.toString());
    expect(names).toContain('curr_connections');
    expect(names).toContain('queue_q_items');
    for (const group of ['settings', 'items', 'slabs']) {
      const end = await c.request({ opcode: OP.STAT, key: group, opaque: 8 });
      expect(end).toMatchObject({ status: STATUS.SUCCESS, opaque: 8 });
      expect(end.key.length + end.value.length).toBe(0);
    }
    const unknown = await c.request({ opcode: OP.STAT, key: 'nonsense', opaque: 9 });
    expect(unknown).toMatchObject({ status: STATUS.KEY_NOT_FOUND, opaque: 9 });
    expect(unknown.value.toString()).toBe('unknown stats group "nonsense"');
  });

  it('VERSION, NOOP and VERBOSITY answer; opcode and opaque are echoed exactly', async () => {
    const c = await connect();
    const v = await c.request({ opcode: OP.VERSION, opaque: 0xfedcba98 });
    expect(v).toMatchObject({ opcode: OP.VERSION, status: 0, opaque: 0xfedcba98 });
    expect(v.value.toString()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await c.request({ opcode: OP.NOOP, opaque: 0 })).toMatchObject({ opcode: OP.NOOP, status: 0, opaque: 0 });
    const level = Buffer.alloc(4);
    expect(await c.request({ opcode: OP.VERBOSITY, extras: level, opaque: 3 })).toMatchObject({
      opcode: OP.VERBOSITY,
      status: 0,
      opaque: 3,
    });
  });

  it('QUIT answers then closes, releasing what the connection held', async () => {
    const c = await connect();
    await c.request(set('q', 'held'));
    await c.request({ opcode: OP.GET, key: 'q' });
    c.send({ opcode: OP.QUIT, opaque: 4 }, { opcode: OP.NOOP, opaque: 5 });
    expect(await c.read()).toMatchObject({ opcode: OP.QUIT, status: 0, opaque: 4 });
    await c.waitClosed();
    expect(c.raw.unread.length).toBe(0);
    const d = await connect();
    await eventually(
      async () => (await d.request({ opcode: OP.GET, key: 'q/peek' })).status === STATUS.SUCCESS,
      'the held item to come back',
    );
  });

  it('QUITQ closes without a reply', async () => {
    const c = await connect();
    c.send({ opcode: OP.QUITQ, opaque: 4 });
    await c.waitClosed();
    expect(c.raw.unread.length).toBe(0);
  });
});

describe('refused, unknown and malformed requests', () => {
  const extras8 = setExtras();
  const refused: Array<[string, number, Buffer]> = [
    ['add', OP.ADD, extras8],
    ['add', OP.ADDQ, extras8],
    ['replace', OP.REPLACE, extras8],
    ['replace', OP.REPLACEQ, extras8],
    ['append', OP.APPEND, Buffer.alloc(0)],
    ['append', OP.APPENDQ, Buffer.alloc(0)],
    ['prepend', OP.PREPEND, Buffer.alloc(0)],
    ['prepend', OP.PREPENDQ, Buffer.alloc(0)],
    ['incr', OP.INCREMENT, Buffer.alloc(20)],
    ['incr', OP.INCREMENTQ, Buffer.alloc(20)],
    ['decr', OP.DECREMENT, Buffer.alloc(20)],
    ['decr', OP.DECREMENTQ, Buffer.alloc(20)],
    ['gat', OP.GAT, Buffer.alloc(4)],
    ['gat', OP.GATQ, Buffer.alloc(4)],
    ['gat', OP.GATK, Buffer.alloc(4)],
    ['gat', OP.GATKQ, Buffer.alloc(4)],
  ];

  it('answers 0x0083 Not supported, with a message, to every refused command (quiet forms too)', async () => {
    const c = await connect();
    c.send(...refused.map(([, opcode, extras], i) => ({ opcode, key: 'q', extras, value: 'v', opaque: 100 + i })));
    const replies = await c.readN(refused.length);
    replies.forEach((p, i) => {
      expect(p).toMatchObject({ opcode: refused[i][1], opaque: 100 + i, status: STATUS.NOT_SUPPORTED });
      expect(p.value.toString()).toBe(
        `${refused[i][0]} is not supported by a queue: set enqueues, get reserves, delete acknowledges`,
      );
    });
    const cas = await c.request({ ...set('q', 'v'), cas: 99, opaque: 1 });
    expect(cas).toMatchObject({ status: STATUS.NOT_SUPPORTED, opaque: 1 });
    expect(cas.value.toString()).toMatch(/^cas is not supported/);
    // nothing was stored by any of them
    expect((await c.request({ opcode: OP.GET, key: 'q' })).status).toBe(STATUS.KEY_NOT_FOUND);
  });

  it('answers 0x0081 Unknown command to SASL and to unknown opcodes, and carries on', async () => {
    const c = await connect();
    c.send(
      { opcode: OP.SASL_LIST_MECHS, opaque: 1 },
      { opcode: OP.SASL_AUTH, key: 'PLAIN', value: '\0user\0pass', opaque: 2 },
      { opcode: OP.SASL_STEP, key: 'PLAIN', value: 'x', opaque: 3 },
      { opcode: 0x7f, opaque: 4 },
      { opcode: 0xff, key: 'k', extras: Buffer.alloc(3), value: 'v', opaque: 5 },
    );
    const replies = await c.readN(5);
    expect(replies.map((p) => [p.opcode, p.opaque, p.status, p.value.toString()])).toEqual([
      [OP.SASL_LIST_MECHS, 1, STATUS.UNKNOWN_COMMAND, 'Unknown command'],
      [OP.SASL_AUTH, 2, STATUS.UNKNOWN_COMMAND, 'Unknown command'],
      [OP.SASL_STEP, 3, STATUS.UNKNOWN_COMMAND, 'Unknown command'],
      [0x7f, 4, STATUS.UNKNOWN_COMMAND, 'Unknown command'],
      [0xff, 5, STATUS.UNKNOWN_COMMAND, 'Unknown command'],
    ]);
    expect(await c.request({ opcode: OP.NOOP, opaque: 6 })).toMatchObject({ status: 0, opaque: 6 });
  });

  it('answers 0x0004 with the reason to bad shapes and bad keys, and carries on', async () => {
    const c = await connect();
    const cases: Array<[Parameters<BinaryClient['send']>[0], RegExp]> = [
      [{ opcode: OP.GET }, /^get needs a key$/],
      [{ opcode: OP.GET, key: 'q', extras: Buffer.alloc(4) }, /^get takes a key and nothing else$/],
      [{ opcode: OP.SET, key: 'q', value: 'v' }, /^set needs 8 bytes of extras/],
      [{ opcode: OP.DELETE, key: 'q', value: 'v' }, /^delete takes a key and nothing else$/],
      [{ opcode: OP.FLUSH, extras: Buffer.alloc(8) }, /^flush takes 0 or 4 bytes of extras$/],
      [{ opcode: OP.VERSION, value: 'x' }, /^this command takes no body$/],
      [{ opcode: OP.GET, key: 'q', dataType: 2 }, /^data type 2 is not supported/],
      [{ opcode: OP.GET, key: 'q/bogus' }, /^unknown option "bogus"$/],
      [{ opcode: OP.GET, key: 'q/peek/open' }, /^peek cannot be combined/],
      [{ opcode: OP.GET, key: 'x'.repeat(251) }, /^queue name longer than 250 bytes$/],
      [set('q/open', 'v'), /^set takes only the option delay=<ms>/],
      [set('bad\x00name', 'v'), /^queue name contains a space, control character or \/$/],
    ];
    for (const [request, message] of cases) {
      const reply = await c.request({ ...(request as object), opaque: 42 } as never);
      expect(reply.status, JSON.stringify(request)).toBe(STATUS.INVALID_ARGUMENTS);
      expect(reply.opaque).toBe(42);
      expect(reply.value.toString('latin1')).toMatch(message);
    }
    expect(await c.request({ opcode: OP.NOOP, opaque: 6 })).toMatchObject({ status: 0, opaque: 6 });
  });
});

describe('oversized and hostile packets', () => {
  it('answers 0x0003 to a value over the limit, skips it byte-exactly and stays in sync', async () => {
    await srv.close();
    srv = await startServer({ maxItemSize: 1000 });
    const c = await connect();
    c.send(set('q', Buffer.alloc(1001, 0x80), 1), set('q', Buffer.alloc(1000, 0x81), 2), { opcode: OP.GET, key: 'q', opaque: 3 });
    const [big, ok, hit] = await c.readN(3);
    expect(big).toMatchObject({ opcode: OP.SET, opaque: 1, status: STATUS.VALUE_TOO_LARGE });
    expect(big.value.toString()).toBe('value of 1001 bytes is larger than the item size limit (1000)');
    expect(ok).toMatchObject({ opaque: 2, status: 0 });
    expect(hit.value).toEqual(Buffer.alloc(1000, 0x81));
  });

  it('skips a huge announced body as it streams in, without buffering it', async () => {
    await srv.close();
    srv = await startServer({ maxItemSize: 1000 });
    const c = await connect();
    const header = Buffer.from(set('q', '', 1).extras);
    const packet = Buffer.alloc(24);
    packet[0] = 0x80;
    packet[1] = OP.SET;
    packet.writeUInt16BE(1, 2);
    packet[4] = 8;
    packet.writeUInt32BE(8 + 1 + 5_000_000, 8);
    packet.writeUInt32BE(77, 12);
    c.raw.send(Buffer.concat([packet, header, Buffer.from('q')]));
    expect(await c.read()).toMatchObject({ opaque: 77, status: STATUS.VALUE_TOO_LARGE });
    for (let i = 0; i < 5; i++) c.raw.send(Buffer.alloc(1_000_000));
    expect(await c.request({ opcode: OP.NOOP, opaque: 78 })).toMatchObject({ opcode: OP.NOOP, opaque: 78, status: 0 });
  });

  it('closes on a bad magic after saying why', async () => {
    const c = await connect();
    c.send({ opcode: OP.NOOP, opaque: 1 });
    c.raw.send(Buffer.from('get q\r\n'.padEnd(24, ' ')));
    expect(await c.read()).toMatchObject({ opcode: OP.NOOP, opaque: 1, status: 0 });
    const why = await c.read();
    expect(why.status).toBe(STATUS.INVALID_ARGUMENTS);
    expect(why.value.toString()).toBe('bad magic 0x67: not a binary request; closing the connection');
    await c.waitClosed();
  });

  it('closes when key and extras are longer than the body', async () => {
    const c = await connect();
    const bad = Buffer.alloc(24 + 3);
    bad[0] = 0x80;
    bad.writeUInt16BE(3, 2);
    bad.writeUInt32BE(2, 8);
    bad.writeUInt32BE(5, 12);
    c.raw.send(bad);
    const why = await c.read();
    expect(why).toMatchObject({ opcode: OP.GET, opaque: 5, status: STATUS.INVALID_ARGUMENTS });
    await c.waitClosed();
  });

  it('a malformed connection does not disturb another connection or its items', async () => {
    const good = await connect();
    good.send(set('q', 'one'), set('q', 'two'), set('other', 'x'));
    await good.readN(3);
    const held = await good.request({ opcode: OP.GET, key: 'q' });

    const evil = await connect();
    await evil.request(set('q', 'three'));
    await evil.request({ opcode: OP.GET, key: 'q' });
    // half a header, a bad magic, and a truncated body: every way of breaking the stream
    evil.raw.send(Buffer.from([0x80, 0x01, 0x00]));
    evil.raw.send(Buffer.from([0x05, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02]));
    evil.raw.send(Buffer.alloc(40, 0xee));
    const why = await evil.read();
    expect(why.status).toBe(STATUS.INVALID_ARGUMENTS);
    await evil.waitClosed();

    // good still holds 'one'; 'two' went back to the head when evil closed
    await eventually(
      async () => (await good.request({ opcode: OP.GET, key: 'q/peek' })).value.toString() === 'two',
      "evil's item to come back",
    );
    expect(await good.request({ opcode: OP.DELETE, key: 'q', cas: 0, opaque: 3 })).toMatchObject({ status: 0, opaque: 3 });
    expect((await good.request({ opcode: OP.DELETE, key: `q/id=${held.cas}` })).status).toBe(STATUS.KEY_NOT_FOUND);
    good.send({ opcode: OP.STAT });
    const stats = await good.readStats();
    expect(stats.get('queue_q_acked')).toBe('1');
    expect(stats.get('queue_q_items')).toBe('2');
    expect(stats.get('queue_other_items')).toBe('1');
  });
});

describe('docs/protocol.md', () => {
  it('the worked example of docs/protocol.md, byte for byte', async () => {
    const doc = (await import('node:fs')).readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    // Within the binary section: the text protocol's part of the same file may have examples too.
    const binary = doc.slice(doc.indexOf('## Binary protocol'));
    const example = binary.slice(binary.indexOf('### Worked example'));
    const block = example.slice(example.indexOf('```\n') + 4, example.indexOf('\n```', example.indexOf('```\n') + 4));
    const lines = block
      .split('\n')
      .map((l) => ({ dir: l.slice(0, 1), bytes: Buffer.from(l.slice(1).replace(/\s+/g, ''), 'hex') }));
    expect(lines.map((l) => l.dir).join('')).toBe('→←→←→←');
    for (const l of lines) expect(l.bytes.length).toBeGreaterThanOrEqual(24);
    const c = await connect();
    for (const { dir, bytes } of lines) {
      if (dir === '→') c.raw.send(bytes);
      else expect((await c.raw.readBytes(bytes.length)).toString('hex')).toBe(bytes.toString('hex'));
    }
  });
});
