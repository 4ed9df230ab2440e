/**
 * One text-protocol command on a connection of its own: for the commands the binary protocol
 * lacks (docs/protocol.md: `delete_queue` has no opcode). The connection is opened as every client
 * path opens one (connect.ts: TLS when asked), logs in the text protocol's way when a user is given
 * (a `set` whose data is `<user> <password>`), sends the command and reads its one-line reply.
 */
import type { Socket } from 'node:net';
import { asClientError, connect, resetConnection, type Security } from './connect.js';
import { RqClientError, timedOut, unreachable } from './errors.js';
import { formatAddress, type ServerAddress } from './servers.js';

/** Sends `line` (without its \r\n, names in their wire form) and resolves with the reply line (without its \r\n). */
export async function textCommand(
  address: ServerAddress,
  security: Security | undefined,
  timeoutMs: number,
  line: string,
): Promise<string> {
  const server = formatAddress(address);
  let socket: Socket;
  try {
    // The login, if any, is the text protocol's, below: connect() is asked for TLS only.
    socket = await connect(address.host, address.port, { tls: security?.tls ?? false, ca: security?.ca }, timeoutMs);
  } catch (err) {
    throw asClientError(server, err);
  }
  const lines = replyLines(socket);
  const timer = setTimeout(() => socket.destroy(timedOut(server, timeoutMs)), timeoutMs);
  try {
    if (security?.user !== undefined) {
      const credentials = Buffer.from(`${security.user} ${security.password ?? ''}`, 'utf8');
      socket.write(Buffer.concat([Buffer.from(`set auth 0 0 ${credentials.length}\r\n`), credentials, Buffer.from('\r\n')]));
      const answer = await lines.next(server);
      if (answer !== 'STORED')
        throw new RqClientError('protocol', server, `login refused for user ${JSON.stringify(security.user)} (${answer})`);
    }
    // Queue names travel as the bytes of their wire form (keys.ts): one char per byte.
    socket.write(Buffer.from(`${line}\r\n`, 'latin1'));
    return await lines.next(server);
  } finally {
    clearTimeout(timer);
    socket.end('quit\r\n');
    socket.once('error', () => {});
    setTimeout(() => resetConnection(socket), 1000).unref();
  }
}

/** Reply lines as they arrive; next() rejects once the connection fails or closes. */
function replyLines(socket: Socket): { next(server: string): Promise<string> } {
  let buffered = '';
  let failure: Error | null = null;
  let waiting: { resolve: (l: string) => void; reject: (e: Error) => void } | null = null;
  const take = () => {
    const end = buffered.indexOf('\r\n');
    if (waiting === null) return;
    if (end >= 0) {
      const l = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const w = waiting;
      waiting = null;
      w.resolve(l);
    } else if (failure !== null) {
      const w = waiting;
      waiting = null;
      w.reject(failure);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    take();
  });
  socket.on('error', (err) => {
    failure = err;
    take();
  });
  socket.on('close', () => {
    failure ??= new Error('connection closed by the server');
    take();
  });
  return {
    next: (server) =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject: (e) => reject(e instanceof RqClientError ? e : unreachable(server, e)) };
        take();
      }),
  };
}
