/**
 * Opening a connection to an rq server the way its operator set it up: plain TCP or TLS
 * (`--tls`, `--tls-ca`), then a SASL PLAIN login when credentials are given (`--user`,
 * `--password`, or RQ_USER/RQ_PASSWORD). Every client path (memjs for single requests, the
 * pipelined bulk paths) connects through here, so each speaks TLS and logs in the same way.
 *
 * Why not memjs for this: memjs 1.3.2 connects with `net.connect` only (no TLS option), and its
 * SASL reports a failed login only through a request that then never settles. The connection made
 * here is handed to memjs already open and logged in (memjs-server.ts).
 */
import net from 'node:net';
import { OP, STATUS } from '../protocol/binary/constants.js';
import { SASL_PLAIN } from '../protocol/credentials.js';
import { decodePackets, encodeRequest } from '../protocol/binary/packet.js';
import { beforeSending, RqClientError, unreachable } from './errors.js';

/** How to reach and log in to the servers. */
export interface Security {
  /** Speak TLS. The server's certificate must be valid for its host name, signed by `ca` or a system CA. */
  readonly tls: boolean;
  /** PEM certificates of a private CA (`--tls-ca`), trusted instead of the system's. */
  readonly ca?: Buffer;
  /** Log in with SASL PLAIN (both or neither). */
  readonly user?: string;
  readonly password?: string;
}

export const PLAIN_TCP: Security = { tls: false };

/** Why a connection could not be opened: `login` when the server refused the credentials. */
export class ConnectError extends Error {
  constructor(
    readonly reason: 'connect' | 'tls' | 'login' | 'timeout',
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** True when connecting needs more than a plain TCP connect (TLS, or a login). */
export function needsSetUp(security: Security | undefined): security is Security {
  return security !== undefined && (security.tls || security.user !== undefined);
}

/**
 * A ConnectError as the client's error, marked as before sending (no request reached the server, so
 * another server may be tried): a refused login or TLS failure is a protocol error (exit status 3
 * with the reason), a timeout a timeout, anything else unreachable.
 */
export function asClientError(server: string, err: unknown): RqClientError {
  if (!(err instanceof ConnectError)) return beforeSending(unreachable(server, err));
  const kind = err.reason === 'timeout' ? 'timeout' : err.reason === 'connect' ? 'unreachable' : 'protocol';
  const message = err.reason === 'tls' ? `TLS: ${err.message}` : err.message;
  if (kind === 'unreachable') return beforeSending(unreachable(server, Object.assign(new Error(message), { code: err.code })));
  return new RqClientError(kind, server, message, undefined, true);
}

/** The TCP socket under each TLS socket opened here. */
const TCP_UNDER = new WeakMap<net.Socket, net.Socket>();

/**
 * Drops a connection with a reset, not a FIN: a server keeps a half-closed connection open until it
 * has answered what it owes (a blocked get, say). For TLS, the TCP socket underneath is reset.
 */
export function resetConnection(socket: net.Socket): void {
  const tcp = TCP_UNDER.get(socket) ?? socket;
  if (!tcp.destroyed) tcp.resetAndDestroy();
  socket.destroy();
}

/** An opaque no other request uses (the client's requests count up from 1). */
const LOGIN_OPAQUE = 0x5a51_0000;

/**
 * Connects to host:port, with TLS and a login as `security` says, within `timeoutMs`.
 * Resolves with a socket ready for binary requests; rejects with ConnectError.
 */
export function connect(host: string, port: number, security: Security, timeoutMs: number): Promise<net.Socket> {
  // Loaded only for TLS: node:tls brings node:crypto, a tenth of a plain command's start-up.
  // (Synchronously, and without an import() that would start the ES module loader in the bundle.)
  const tls = security.tls ? process.getBuiltinModule('node:tls') : null;
  return new Promise((resolve, reject) => {
    let settled = false;
    let socket: net.Socket;
    const fail = (error: ConnectError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new ConnectError('timeout', `no connection within ${timeoutMs} ms`)), timeoutMs);
    const ready = () => {
      if (security.user === undefined) {
        settled = true;
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(socket);
        return;
      }
      logIn(socket, security.user, security.password ?? '').then(
        () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          socket.removeListener('error', onError);
          resolve(socket);
        },
        (err: ConnectError) => fail(err),
      );
    };
    const onError = (err: NodeJS.ErrnoException) => {
      const tlsProblem =
        security.tls &&
        (err.code?.startsWith('ERR_TLS') || err.code?.startsWith('ERR_SSL') || /certificate|SSL|TLS/i.test(err.message));
      fail(new ConnectError(tlsProblem ? 'tls' : 'connect', err.message, err.code));
    };
    if (tls !== null) {
      // Over a TCP socket of our own, which resetConnection() can reset (a TLS socket cannot be).
      const tcp = net.connect(port, host);
      tcp.on('error', onError);
      socket = tls.connect(
        {
          socket: tcp,
          host,
          ca: security.ca,
          // Verify the name in the certificate against the host (not possible for an IP in SNI).
          servername: net.isIP(host) === 0 ? host : undefined,
          minVersion: 'TLSv1.2',
        },
        ready,
      );
      TCP_UNDER.set(socket, tcp);
    } else {
      socket = net.connect(port, host, ready);
    }
    socket.setNoDelay(true);
    socket.on('error', onError);
  });
}

/**
 * SASL PLAIN in one step (docs/protocol.md "Authentication"): sends `\0user\0password` and reads one
 * response. A server without `--auth-file` answers "unknown command": the login is not needed.
 */
export function logIn(socket: net.Socket, user: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const cleanUp = () => {
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
    };
    const onClose = () => {
      cleanUp();
      reject(new ConnectError('login', 'the server closed the connection during the login'));
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let decoded;
      try {
        decoded = decodePackets(received);
      } catch (err) {
        cleanUp();
        reject(new ConnectError('login', `the server's answer to the login is not a binary reply: ${(err as Error).message}`));
        return;
      }
      if (decoded.packets.length === 0) return;
      cleanUp();
      const reply = decoded.packets[0];
      if (reply.status === STATUS.SUCCESS || reply.status === STATUS.UNKNOWN_COMMAND) {
        // Anything after the reply belongs to no request yet: there is none.
        resolve();
      } else if (reply.status === STATUS.AUTH_ERROR) {
        reject(new ConnectError('login', `login refused for user ${JSON.stringify(user)} (wrong user or password)`));
      } else {
        reject(
          new ConnectError(
            'login',
            `login failed: status 0x${reply.status.toString(16).padStart(4, '0')} ${reply.value.toString('latin1')}`,
          ),
        );
      }
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(
      encodeRequest({
        opcode: OP.SASL_AUTH,
        key: SASL_PLAIN,
        opaque: LOGIN_OPAQUE,
        // UTF-8, as the auth file holds what a user typed: the server compares bytes.
        value: Buffer.concat([Buffer.from([0]), Buffer.from(user, 'utf8'), Buffer.from([0]), Buffer.from(password, 'utf8')]),
      }),
    );
  });
}
