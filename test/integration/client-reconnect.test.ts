/**
 * One long-lived RqClient (as `rq top` and `rq work` keep) across a server that stops and comes
 * back on the same port and data dir: while the server is away every request fails as
 * unreachable; once it is back, the same client reaches it again, with the journal's items.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RqClientError } from '../../src/client/errors.js';
import { Clients } from '../helpers/clients.js';
import { startDataDirServer, tempDir, type TestServer } from '../helpers/server.js';

const clients = new Clients();
const servers: TestServer[] = [];
const dirs: Array<() => void> = [];

afterEach(async () => {
  clients.closeAll();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const remove of dirs.splice(0)) remove();
});

async function serve(dataDir: string, port = 0): Promise<TestServer> {
  const srv = await startDataDirServer(dataDir, port);
  servers.push(srv);
  return srv;
}

/** Stops `srv` (its connections are closed) and forgets it for afterEach. */
async function stop(srv: TestServer): Promise<void> {
  servers.splice(servers.indexOf(srv), 1);
  await srv.close();
}

async function unreachable(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RqClientError);
  expect(err).toMatchObject({ kind: 'unreachable' });
}

describe('a client whose server goes away and comes back', () => {
  it('fails while the server is away and reconnects once it is back, on the same port and data dir', async () => {
    const { dir, remove } = tempDir();
    dirs.push(remove);
    const first = await serve(dir);
    const c = clients.client([first.port], { timeoutMs: 1000 });
    expect(await c.push('jobs', 'one')).toBe(`127.0.0.1:${first.port}`);
    expect(await c.statsOf(c.names[0])).toEqual(expect.arrayContaining([['curr_connections', '1']]));

    await stop(first);
    await unreachable(c.statsOf(c.names[0]));
    await unreachable(c.push('jobs', 'two'));
    await unreachable(c.peek('jobs'));

    await serve(dir, first.port);
    const head = await c.reserve('jobs');
    expect(head?.data.toString()).toBe('one');
    expect(await c.ack('jobs', head!.id)).toBe(true);
    expect(await c.push('jobs', 'three')).toBe(`127.0.0.1:${first.port}`);
    expect((await c.peek('jobs'))?.data.toString()).toBe('three');
  });

  it('reconnects after a request failed while the server was still away (the failed connection is not kept)', async () => {
    const { dir, remove } = tempDir();
    dirs.push(remove);
    const first = await serve(dir);
    const c = clients.client([first.port], { timeoutMs: 1000 });
    await stop(first);
    // The first request ever fails: the connection was never opened.
    await unreachable(c.statsOf(c.names[0]));
    await unreachable(c.statsOf(c.names[0]));
    await serve(dir, first.port);
    expect(await c.statsOf(c.names[0])).toEqual(expect.arrayContaining([['curr_connections', '1']]));
    expect(await c.push('jobs', 'back')).toBe(`127.0.0.1:${first.port}`);
  });
});
