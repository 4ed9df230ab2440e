/**
 * Wire robustness of the text protocol against the real server over TCP: every error path answers
 * with one clear line and leaves the connection usable; noreply silences errors too; pipelining and
 * byte-by-byte input; refused memcache commands store nothing.
 */
import { duplexPair } from 'node:stream';
import { OP } from '../../src/protocol/binary/constants.js';
import { encodeRequest } from '../../src/protocol/binary/packet.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/eventually.js';
import { Connections, setCommand, stat, stats } from '../helpers/raw-client.js';

const MAX_ITEM = 1024;

let srv: TestServer;
const conns = new Connections(() => srv.port);

beforeEach(async () => {
  srv = await startServer({ maxItemSize: MAX_ITEM, maxOpen: 5 });
});

afterEach(async () => {
  conns.closeAll();
  await srv.close();
});

const VERSION_LINE = /^VERSION \d+\.\d+\.\d+\r\n$/;

describe('malformed input gets one error line and the connection stays usable', () => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['an unknown command', 'bogus command\r\n', /^ERROR\r\n$/],
    ['an empty line', '\r\n', /^ERROR\r\n$/],
    ['a line of spaces', '    \r\n', /^ERROR\r\n$/],
    ['an upper-case command', 'GET q\r\n', /^ERROR\r\n$/],
    ['get without a key', 'get\r\n', /^ERROR\r\n$/],
    ['set without a length', 'set q 0 0\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['set with a negative length', 'set q 0 0 -5\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['set with bad flags (its data is skipped)', 'set q x 0 1\r\nx\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['set with a bad exptime (its data is skipped)', 'set q 0 later 1\r\nx\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['set with an extra token (its data is skipped)', 'set q 0 0 1 extra\r\nx\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['a data block longer than announced', 'set q 0 0 2\r\nabcd', /^CLIENT_ERROR bad data chunk\r\n$/],
    [
      'set with options in the key',
      'set q/open 0 0 1\r\nx\r\n',
      /^CLIENT_ERROR set takes only the option delay=<ms>: other options belong to get and delete\r\n$/,
    ],
    [
      'set with a 251-byte queue name',
      `set ${'n'.repeat(251)} 0 0 1\r\nx\r\n`,
      /^CLIENT_ERROR queue name longer than 250 bytes\r\n$/,
    ],
    [
      'set with a control character in the name',
      'set a\x01b 0 0 1\r\nx\r\n',
      /^CLIENT_ERROR queue name contains a space, control character or \/\r\n$/,
    ],
    ['get with an unknown option', 'get q/bogus\r\n', /^CLIENT_ERROR unknown option "bogus"\r\n$/],
    ['get with an unknown option that has a value', 'get q/timeout=5\r\n', /^CLIENT_ERROR unknown option "timeout"\r\n$/],
    [
      'get with contradictory options',
      'get q/peek/open\r\n',
      /^CLIENT_ERROR peek cannot be combined with open, close or abort\r\n$/,
    ],
    ['get with a bad wait', 'get q/t=soon\r\n', /^CLIENT_ERROR t= needs a whole number of milliseconds\r\n$/],
    ['get with a wait on several keys', 'get a/t=10 b\r\n', /^CLIENT_ERROR t= needs a get with a single key\r\n$/],
    ['get with a 251-byte queue name', `get ${'n'.repeat(251)}\r\n`, /^CLIENT_ERROR queue name longer than 250 bytes\r\n$/],
    ['gets with an empty queue name', 'gets /open\r\n', /^CLIENT_ERROR empty queue name\r\n$/],
    [
      'delete with a get option',
      'delete q/open\r\n',
      /^CLIENT_ERROR delete takes only the options abort, id=<n>, delay=<ms> and outcome, not "open"\r\n$/,
    ],
    ['delete with a time', 'delete q 10\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['delete without a key', 'delete\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['delete with a bad id', 'delete q/id=x\r\n', /^CLIENT_ERROR id= needs an item id\r\n$/],
    ['flush without a queue', 'flush\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['flush of a bad queue name', 'flush a/b\r\n', /^CLIENT_ERROR queue name contains a space, control character or \/\r\n$/],
    ['flush_all with a bad delay', 'flush_all soon\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    ['delete_queue without a queue', 'delete_queue\r\n', /^CLIENT_ERROR bad command line format\r\n$/],
    [
      'delete_queue of a bad queue name',
      'delete_queue a/b\r\n',
      /^CLIENT_ERROR queue name contains a space, control character or \/\r\n$/,
    ],
    ['an unknown stats group', 'stats detail on\r\n', /^CLIENT_ERROR unknown stats group "detail on"\r\n$/],
    ['binary garbage ending in a newline', Buffer.from([0x00, 0xff, 0x13, 0x80, 0x0d, 0x0a]), /^ERROR\r\n$/],
  ];

  for (const [name, input, reply] of cases) {
    it(name, async () => {
      const c = await conns.connect();
      c.send(input);
      expect(await c.readLine().then((l) => l + '\r\n')).toMatch(reply);
      expect(await c.request('version\r\n')).toMatch(VERSION_LINE);
      // Nothing was enqueued, and the connection still works for real commands.
      expect(await stat(c, 'total_items')).toBe(0);
      expect(await c.request(setCommand('q', 'ok'))).toBe('STORED\r\n');
      expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 2\r\nok\r\nEND\r\n');
      expect(c.unread.length).toBe(0);
    });
  }

  it('refuses a get with one bad key as a whole: nothing is reserved', async () => {
    const c = await conns.connect();
    await c.request(setCommand('q', 'x'));
    expect(await c.request('get q q/nonsense\r\n')).toBe('CLIENT_ERROR unknown option "nonsense"\r\n');
    expect(await stat(c, 'queue_q_items')).toBe(1);
    expect(await stat(c, 'queue_q_open')).toBe(0);
  });

  it('answers a bad data chunk and stores nothing', async () => {
    const c = await conns.connect();
    // 'abcd' fills the 2+2 bytes the block needs but does not end in \r\n; the \r\n after it is an empty line.
    c.send('set q 0 0 2\r\nabcd\r\nversion\r\n');
    expect(await c.readLine()).toBe('CLIENT_ERROR bad data chunk');
    expect(await c.readLine()).toBe('ERROR');
    expect(await c.readLine()).toMatch(/^VERSION /);
    expect(await stat(c, 'total_items')).toBe(0);
  });
});

describe('noreply', () => {
  it('means no reply at all, not even for errors', async () => {
    const c = await conns.connect();
    c.send(
      Buffer.concat([
        setCommand('q', 'kept', 0, 0, true),
        Buffer.from('set q/open 0 0 1 noreply\r\nx\r\n'), // options in a set key
        Buffer.from('set q x 0 1 noreply\r\nx\r\n'), // bad flags
        Buffer.from(`set q 0 0 ${MAX_ITEM + 1} noreply\r\n${'x'.repeat(MAX_ITEM + 1)}\r\n`), // too large
        Buffer.from('set q 0 0 2 noreply\r\nabcd'), // bad data chunk
        Buffer.from(`set ${'n'.repeat(251)} 0 0 1 noreply\r\nx\r\n`), // name too long
        Buffer.from('add q 0 0 1 noreply\r\nx\r\n'),
        Buffer.from('replace q 0 0 1 noreply\r\nx\r\n'),
        Buffer.from('append q 0 0 1 noreply\r\nx\r\n'),
        Buffer.from('prepend q 0 0 1 noreply\r\nx\r\n'),
        Buffer.from('cas q 0 0 1 5 noreply\r\nx\r\n'),
        Buffer.from('incr q 1 noreply\r\ndecr q 1 noreply\r\ntouch q 10 noreply\r\n'),
        Buffer.from('delete q noreply\r\n'), // NOT_FOUND: nothing held
        Buffer.from('delete q/open noreply\r\n'),
        Buffer.from('delete q 10 noreply\r\n'),
        Buffer.from('delete q/id=99 noreply\r\n'),
        Buffer.from('flush nope noreply\r\nflush a/b noreply\r\n'),
        Buffer.from('flush_all soon noreply\r\n'),
        Buffer.from('delete_queue nope noreply\r\ndelete_queue a/b noreply\r\n'),
        Buffer.from('verbosity 1 noreply\r\n'),
        Buffer.from('version\r\n'),
      ]),
    );
    expect(await c.readLine()).toMatch(/^VERSION \d+\.\d+\.\d+$/);
    expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 4\r\nkept\r\nEND\r\n');
    expect(await c.request('delete q noreply\r\nversion\r\n')).toMatch(VERSION_LINE);
    expect(await stat(c, 'queue_q_acked')).toBe(1);
    expect(await stat(c, 'total_items')).toBe(1);
  });
});

describe('pipelining and fragmentation', () => {
  const pipeline = Buffer.concat([
    setCommand('a', 'one', 1),
    setCommand('b', 'two', 2),
    setCommand('a', 'three', 3),
    Buffer.from('get a b\r\ngets a\r\ndelete a\r\ndelete a\r\ndelete a\r\nget b/peek\r\nversion\r\nbogus\r\nget a/close\r\n'),
  ]);

  function expectedReplies(version: string): string {
    return (
      'STORED\r\nSTORED\r\nSTORED\r\n' +
      'VALUE a 1 3\r\none\r\nVALUE b 2 3\r\ntwo\r\nEND\r\n' +
      'VALUE a 3 5 3\r\nthree\r\nEND\r\n' +
      'DELETED\r\nDELETED\r\nNOT_FOUND\r\n' +
      'END\r\n' +
      `VERSION ${version}\r\n` +
      'ERROR\r\n' +
      'END\r\n'
    );
  }

  it('answers pipelined commands sent in one packet, in order', async () => {
    const c = await conns.connect();
    const version = (await c.request('version\r\n')).slice(8, -2);
    c.send(pipeline);
    const replies = expectedReplies(version);
    expect((await c.readBytes(replies.length)).toString('latin1')).toBe(replies);
  });

  it('answers the same when every byte arrives in its own write', async () => {
    const c = await conns.connect();
    c.socket.setNoDelay(true);
    const version = (await c.request('version\r\n')).slice(8, -2);
    for (const byte of pipeline) {
      await new Promise<void>((resolve, reject) => c.socket.write(Buffer.from([byte]), (err) => (err ? reject(err) : resolve())));
    }
    const replies = expectedReplies(version);
    expect((await c.readBytes(replies.length)).toString('latin1')).toBe(replies);
  });

  it('answers the same when a session is fed exactly one byte per read', async () => {
    // A duplex pair instead of TCP: every write is one read on the server side, no coalescing.
    const [client, server] = duplexPair();
    srv.server.handle(server);
    let received = '';
    client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const replies = expectedReplies('0.0.0').replace(/VERSION .*\r\n/, 'VERSION ');
    // Yield between writes so that each byte is pushed to a flowing, empty stream: one read each.
    for (const byte of pipeline) {
      client.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replies so far: ${JSON.stringify(received)}`)), 5000);
      const check = () => {
        if (received.endsWith('ERROR\r\nEND\r\n')) {
          clearTimeout(timer);
          resolve();
        } else client.once('data', check);
      };
      check();
    });
    expect(received.replace(/VERSION .*\r\n/, 'VERSION ')).toBe(replies);
    client.destroy();
  });

  it('round-trips data with every byte value, \\r\\n inside and a latin1 key', async () => {
    const c = await conns.connect();
    const data = Buffer.from([...Array(256).keys(), 13, 10, 13, 10]);
    const key = Buffer.from('jöbs-ü', 'utf8').toString('latin1');
    expect(await c.request(setCommand(key, data, 4294967295))).toBe('STORED\r\n');
    c.send(`get ${key}\r\n`);
    expect(await c.readLine()).toBe(`VALUE ${key} 4294967295 ${data.length}`);
    expect((await c.readBytes(data.length)).equals(data)).toBe(true);
    expect(await c.readUntil('END\r\n')).toBe('\r\nEND\r\n');
  });
});

describe('memcache commands without a queue meaning', () => {
  const refused: Array<[string, string]> = [
    ['add', 'add q 0 0 3\r\nnew\r\n'],
    ['add', 'add q 0 2678400 0\r\n\r\n'], // memcexist
    ['replace', 'replace q 0 0 3\r\nnew\r\n'],
    ['append', 'append q 0 0 3\r\nnew\r\n'],
    ['prepend', 'prepend q 0 0 3\r\nnew\r\n'],
    ['cas', 'cas q 0 0 3 1\r\nnew\r\n'],
    ['incr', 'incr q 1\r\n'],
    ['decr', 'decr q 1\r\n'],
    ['gat', 'gat 10 q\r\n'],
    ['gats', 'gats 10 q\r\n'],
  ];

  for (const [command, input] of refused) {
    it(`${JSON.stringify(input.split('\r\n')[0])} gets a clear error and neither stores nor drops anything`, async () => {
      const c = await conns.connect();
      await c.request(setCommand('q', 'old'));
      expect(await c.request(input)).toBe(
        `CLIENT_ERROR ${command} is not supported by a queue: set enqueues, get reserves, delete acknowledges\r\n`,
      );
      expect(await c.request('version\r\n')).toMatch(VERSION_LINE);
      expect(await stat(c, 'total_items')).toBe(1);
      expect(await c.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 3\r\nold\r\nEND\r\n');
      expect(await c.request('get q\r\n')).toBe('END\r\n');
    });
  }

  it("memcexist's add on a missing queue creates nothing", async () => {
    const c = await conns.connect();
    expect(await c.request('add nothere 0 2678400 0\r\n\r\n')).toMatch(/^CLIENT_ERROR add is not supported/);
    expect([...(await stats(c)).keys()].filter((k) => k.startsWith('queue_'))).toEqual([]);
  });
});

describe('items over --max-item-size', () => {
  it('get SERVER_ERROR object too large, and their bytes are consumed to keep the stream in sync', async () => {
    const c = await conns.connect();
    // The oversize block is full of things that look like commands; none may run.
    const block = Buffer.from('set q 0 0 1\r\nx\r\nget q\r\nflush_all\r\n'.repeat(200).slice(0, 5000), 'latin1');
    c.send(Buffer.concat([Buffer.from(`set q 0 0 ${block.length}\r\n`), block, Buffer.from('\r\n')]));
    expect(await c.readLine()).toBe('SERVER_ERROR object too large');
    expect(await c.request('version\r\n')).toMatch(VERSION_LINE);
    expect(await stat(c, 'total_items')).toBe(0);
    expect(await c.request(setCommand('q', 'x'.repeat(MAX_ITEM)))).toBe('STORED\r\n');
    expect(await c.request('get q\r\n', 'END\r\n')).toBe(`VALUE q 0 ${MAX_ITEM}\r\n${'x'.repeat(MAX_ITEM)}\r\nEND\r\n`);
  });

  it('are skipped when their bytes arrive over many writes', async () => {
    const c = await conns.connect();
    c.send(`set q 0 0 ${MAX_ITEM * 100}\r\n`);
    expect(await c.readLine()).toBe('SERVER_ERROR object too large');
    for (let i = 0; i < 100; i++) c.send(Buffer.alloc(MAX_ITEM, 'get q\r\n'));
    expect(await c.request('\r\nversion\r\n')).toMatch(VERSION_LINE);
    expect(c.unread.length).toBe(0);
  });
});

describe('lines over 8 KiB', () => {
  it('get an error and the connection is closed, after the replies to what came before', async () => {
    const c = await conns.connect();
    c.send(`version\r\n${'x'.repeat(9000)}`);
    expect(await c.readLine()).toMatch(/^VERSION /);
    expect(await c.readLine()).toBe('CLIENT_ERROR line too long');
    await c.waitClosed();
  });

  it('are refused with a newline too', async () => {
    const c = await conns.connect();
    c.send(`get ${'k'.repeat(8200)}\r\nversion\r\n`);
    expect(await c.readLine()).toBe('CLIENT_ERROR line too long');
    await c.waitClosed();
    expect(c.unread.length).toBe(0);
  });

  it('a line of exactly 8 KiB is still accepted when its CR and LF arrive apart', async () => {
    const c = await conns.connect();
    const line = `get ${'k'.repeat(8192 - 4)}`;
    await new Promise<void>((resolve) => c.socket.write(`${line}\r`, () => resolve()));
    c.send('\n');
    expect(await c.readLine()).toBe('CLIENT_ERROR queue name longer than 250 bytes');
    expect(await c.request('version\r\n')).toMatch(VERSION_LINE);
  });
});

describe('quit', () => {
  it('answers what came before, closes, and returns the items the connection held', async () => {
    const a = await conns.connect();
    const b = await conns.connect();
    await a.request(setCommand('q', '1'));
    await a.request(setCommand('q', '2'));
    a.send('get q\r\nquit\r\nversion\r\n');
    expect(await a.readUntil('END\r\n')).toBe('VALUE q 0 1\r\n1\r\nEND\r\n');
    await a.waitClosed();
    expect(a.unread.length).toBe(0);
    // The server sees the close just after; poll until the item is back at the head.
    await eventually(async () => (await stat(b, 'queue_q_open')) === 0, 'the held item to come back');
    expect(await b.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 1\r\n1\r\nEND\r\n');
  });
});

describe('a client that half-closes after its last command', () => {
  it('still gets every reply, then the server closes', async () => {
    const c = await conns.connect();
    c.socket.end(Buffer.concat([setCommand('q', 'x'), Buffer.from('get q\r\nversion\r\n')]));
    expect(await c.readLine()).toBe('STORED');
    expect(await c.readUntil('END\r\n')).toBe('VALUE q 0 1\r\nx\r\nEND\r\n');
    expect(await c.readLine()).toMatch(/^VERSION /);
    await c.waitClosed();
  });

  // A closed sending side cannot be told from a closed connection (both are a FIN), and a closed
  // connection must not keep a waiter (test/integration/closed-waiters.test.ts): a blocking get
  // answers at once, as if its time ran out.
  it('has a blocking get answered at once, as a wait that timed out', async () => {
    const c = await conns.connect();
    c.socket.end('get q/t=5000\r\nversion\r\n');
    expect(await c.readUntil('END\r\n', 1000)).toBe('END\r\n');
    expect(await c.readLine()).toMatch(/^VERSION /);
    await c.waitClosed();
  });

  it('has a blocking get answered at once over the binary protocol: a miss', async () => {
    const c = await conns.connect();
    c.socket.end(encodeRequest({ opcode: OP.GET, key: 'q/t=5000', opaque: 7 }));
    const header = await c.readBytes(24, 1000);
    expect(header[0]).toBe(0x81);
    expect(header.readUInt16BE(6)).toBe(1); // status: key not found
    expect(header.readUInt32BE(12)).toBe(7); // opaque echoed
    await c.readBytes(header.readUInt32BE(8));
    await c.waitClosed();
  });
});
