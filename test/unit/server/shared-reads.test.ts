/**
 * server/shared-reads.ts switches an accepted socket to reads into one shared buffer through
 * fields of Node's net.Socket found by name; where they are missing it must change nothing and
 * say so, so that the server keeps Node's own reads ('data' events; the path TLS and the JetStream
 * store always take, covered by their tests).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedReads } from '../../../src/server/shared-reads.js';

const opened: net.Server[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(opened.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A listening server whose accepted sockets are handed to `onAccept` before their first read. */
async function listen(onAccept: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    sockets.push(socket);
    onAccept(socket);
  });
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    sockets.push(socket);
    socket.once('error', reject);
  });
}

describe('SharedReads', () => {
  it('hands every accepted socket’s reads to its callback, all in the one shared buffer', async () => {
    const shared = new SharedReads();
    const got: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    const adopted: boolean[] = [];
    let nextRead = () => {};
    const read = () => new Promise<void>((resolve) => (nextRead = resolve));
    const port = await listen((socket) => {
      adopted.push(
        shared.adopt(socket, (nread, buffer) => {
          got.push(buffer.toString('latin1', 0, nread));
          buffers.add(buffer.buffer);
          nextRead();
        }),
      );
    });
    let reading = read();
    (await connect(port)).write('hello');
    await reading;
    reading = read();
    (await connect(port)).write('world');
    await reading;
    expect(adopted).toEqual([true, true]);
    expect(got).toEqual(['hello', 'world']);
    expect(buffers.size).toBe(1);
  });

  it('changes nothing and says so when the socket lacks the fields it relies on', () => {
    const shared = new SharedReads();
    // A socket of another Node: none of net.js's own symbols, no handle.
    const foreign = Object.create(net.Socket.prototype) as net.Socket;
    expect(shared.adopt(foreign, () => undefined)).toBe(false);
    expect(Object.getOwnPropertySymbols(foreign)).toEqual([]);
  });

  it('leaves a socket that is not connected to Node’s own reads', () => {
    const shared = new SharedReads();
    const socket = new net.Socket();
    sockets.push(socket);
    expect(shared.adopt(socket, () => undefined)).toBe(false);
  });
});
