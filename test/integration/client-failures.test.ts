/**
 * The client when servers misbehave: refused connections, silence, hang-ups, a server stopping
 * under a waiting request. Every call must settle, with a typed error, and nothing may be sent
 * twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HEADER_BYTES } from '../../src/protocol/binary/constants.js';
import { decodePackets } from '../../src/protocol/binary/packet.js';
import { RqClientError } from '../../src/client/errors.js';
import { Clients, deadPort, HostilePeer } from '../helpers/clients.js';
import { RqServer } from '../../src/server/server.js';
import { startServer, testLimits, type TestServer } from '../helpers/server.js';

const clients = new Clients();
const peers: HostilePeer[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  clients.closeAll();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function peer(mode: 'silent' | 'hang-up'): Promise<HostilePeer> {
  const p = await HostilePeer.start(mode);
  peers.push(p);
  return p;
}

function failure(p: Promise<unknown>): Promise<RqClientError> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(RqClientError);
      return err as RqClientError;
    },
  );
}

describe('a server that cannot be reached', () => {
  it('fails every call as unreachable, known not to have been sent', async () => {
    const c = clients.client([await deadPort()]);
    const err = await failure(c.push('q', 'x'));
    expect(err).toMatchObject({ kind: 'unreachable', notSent: true });
    expect(err.message).toContain('connection refused');
    await failure(c.reserve('q'));
    await failure(c.ack('q', 1));
    const [stats] = await c.stats();
    expect(stats).toMatchObject({ state: 'down', error: { kind: 'unreachable' } });
  });

  it('makes bulk calls report or reject, never hang', async () => {
    const c = clients.client([await deadPort()]);
    const report = await c.pushAll(
      'q',
      (async function* () {
        yield [Buffer.from('a')];
      })(),
    );
    expect(report).toMatchObject({ pushed: 0, unconfirmed: 0, failure: { kind: 'unreachable' } });
    await failure(c.popMany('q', { count: 5 }, async () => {}));
  });
});

describe('a server that never answers', () => {
  it('times a request out after the deadline, having sent it exactly once', async () => {
    const silent = await peer('silent');
    const c = clients.client([silent.port], { timeoutMs: 150 });
    const err = await failure(c.push('q', 'once'));
    expect(err.kind).toBe('timeout');
    await silent.allClosed();
    const { packets, used } = decodePackets(silent.bytes);
    expect(used).toBe(silent.bytes.length);
    expect(packets.map((p) => p.value.toString())).toEqual(['once']);
  });

  it('allows a waiting request its wait on top of the deadline', async () => {
    const silent = await peer('silent');
    const c = clients.client([silent.port], { timeoutMs: 100 });
    const started = Date.now();
    const err = await failure(c.reserve('q', { waitMs: 300 }));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('times out a bulk pop and a stats call too', async () => {
    const silent = await peer('silent');
    const c = clients.client([silent.port], { timeoutMs: 100 });
    expect((await failure(c.popMany('q', { count: 3 }, async () => {}))).kind).toBe('timeout');
    const [stats] = await c.stats();
    expect(stats).toMatchObject({ state: 'down', error: { kind: 'timeout' } });
  });
});

describe('a server that hangs up', () => {
  it('fails the request in flight instead of leaving it unsettled', async () => {
    const rude = await peer('hang-up');
    const c = clients.client([rude.port], { timeoutMs: 60_000 });
    const err = await failure(c.reserve('q'));
    expect(err.kind).toBe('unreachable');
    expect(rude.bytes.length).toBeGreaterThanOrEqual(HEADER_BYTES);
    const report = await c.pushAll(
      'q',
      (async function* () {
        yield [Buffer.from('a'), Buffer.from('b')];
      })(),
    );
    expect(report).toMatchObject({ pushed: 0, unconfirmed: 2, failure: { kind: 'unreachable' } });
  });

  it('fails a reserve that is waiting when the server stops', async () => {
    const srv = await startServer();
    servers.push(srv); // closed again in afterEach if the test fails early (a second close is harmless)
    const c = clients.client([srv], { timeoutMs: 60_000 });
    await c.push('q', 'warm-up');
    await c.reserve('q');
    const waiting = c.reserve('q', { waitMs: 60_000 });
    await srv.close();
    expect((await failure(waiting)).kind).toBe('unreachable');
  });
});

describe('a server that restarts', () => {
  it('is down while it is away and up again after, for a client that keeps polling (rq top)', async () => {
    const first = await startServer();
    servers.push(first);
    const c = clients.client([first]);
    await c.push('q', 'x');
    expect((await c.stats())[0].state).toBe('up');
    await first.close();
    expect((await c.stats())[0]).toMatchObject({ state: 'down', error: { kind: 'unreachable' } });
    const again = new RqServer({ host: '127.0.0.1', port: first.port, limits: testLimits({ maxItemSize: 1024, maxOpen: 10 }) });
    await again.listen();
    try {
      expect((await c.stats())[0].state).toBe('up');
      expect(await c.push('q', 'y')).toBe(`127.0.0.1:${first.port}`);
    } finally {
      await again.close();
    }
  });
});
