/**
 * server/direct-writes.ts writes to an accepted socket's handle, not through its Writable. What it
 * must keep of the stream's promises: bytes arrive whole and in order, a write the peer is too slow
 * to take is reported pending until the system has it all (then `onWritten`), bytes written through
 * the stream meanwhile queue behind it, and where it cannot write it says so and writes nothing.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectWrites } from '../../../src/server/direct-writes.js';

const opened: net.Server[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(opened.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** An accepted socket and the client's end of it (paused: the client reads only when told). */
async function pair(options: net.ServerOpts = {}): Promise<{ accepted: net.Socket; client: net.Socket }> {
  const server = net.createServer(options);
  const accepted: Promise<net.Socket> = new Promise((resolve) => server.once('connection', resolve));
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.pause();
  sockets.push(client);
  const socket = await accepted;
  sockets.push(socket);
  return { accepted: socket, client };
}

/** Resolves with the next `n` bytes the client receives. */
function receive(client: net.Socket, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got < n) return;
      client.off('data', onData);
      client.pause();
      resolve(Buffer.concat(chunks));
    };
    client.on('data', onData);
    client.resume();
  });
}

describe('DirectWrites', () => {
  it('writes to the handle at once when the system takes the bytes', async () => {
    const { accepted, client } = await pair();
    const direct = DirectWrites.for(accepted, () => undefined)!;
    expect(direct).not.toBeNull();
    expect(direct.write(Buffer.from('STORED\r\n'))).toBe(true);
    expect(direct.pending).toBe(false);
    expect(accepted.writableLength).toBe(0);
    expect((await receive(client, 8)).toString()).toBe('STORED\r\n');
  });

  it('a write the peer does not take is pending until it is all sent; stream writes queue behind it', async () => {
    const { accepted, client } = await pair();
    let written = 0;
    const direct = DirectWrites.for(accepted, () => written++)!;
    // More than loopback's socket buffers hold while the client reads nothing.
    const big = Buffer.alloc(32 * 1024 * 1024, 'a');
    expect(direct.write(big)).toBe(true);
    expect(direct.pending).toBe(true);
    expect(direct.bufferedBytes).toBe(big.length);
    // The caller must write through the stream meanwhile: libuv queues it behind the direct write.
    expect(direct.write(Buffer.from('late'))).toBe(false);
    accepted.write('tail');
    const all = await receive(client, big.length + 4);
    expect(all.length).toBe(big.length + 4);
    expect(all.subarray(0, big.length).equals(big)).toBe(true);
    expect(all.subarray(big.length).toString()).toBe('tail');
    expect(written).toBe(1);
    expect(direct.pending).toBe(false);
  });

  it('leaves bytes to the stream while the stream holds earlier ones', async () => {
    const { accepted } = await pair();
    const direct = DirectWrites.for(accepted, () => undefined)!;
    accepted.write(Buffer.alloc(32 * 1024 * 1024));
    expect(accepted.writableLength).toBeGreaterThan(0);
    expect(direct.write(Buffer.from('x'))).toBe(false);
  });

  it('a write the system refuses (the peer reset the connection) destroys the socket with the error', async () => {
    // The server's socket reads nothing (pauseOnConnect): only a write can find the reset.
    const { accepted, client } = await pair({ pauseOnConnect: true });
    const direct = DirectWrites.for(accepted, () => undefined)!;
    const failed = new Promise<Error>((resolve) => accepted.once('error', resolve));
    const closed = new Promise<void>((resolve) => accepted.once('close', () => resolve()));
    client.resetAndDestroy();
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    // A write may still be taken before the reset arrives; one of the next ones is refused.
    for (let i = 0; i < 1000 && !accepted.destroyed; i++) {
      expect(direct.write(Buffer.from('VALUE'))).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await failed).message).toMatch(/^write E(PIPE|CONNRESET)$/);
    await closed;
    expect(direct.write(Buffer.from('late'))).toBe(false);
  });

  it('writes nothing on a socket that has ended, and none for a socket without a handle', async () => {
    const { accepted } = await pair();
    const direct = DirectWrites.for(accepted, () => undefined)!;
    accepted.end();
    expect(direct.write(Buffer.from('x'))).toBe(false);
    expect(DirectWrites.for(new net.Socket(), () => undefined)).toBeNull();
  });
});
