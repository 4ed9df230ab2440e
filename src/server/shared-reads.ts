/**
 * Plain TCP connections read into one buffer that the server reuses for every read of every
 * connection (net.Socket's `onread` option), instead of Node's new buffer per read: issue 15
 * measured +21% cycles per server CPU second without a journal, +7% with one. Safe because a read
 * is handled to the end before the next one is made; what must outlive it (input held behind a
 * request that waits, requests not run yet) is copied by the connection (connection.ts).
 *
 * Node gives `onread` only to sockets it creates itself (`net.connect`); an accepted socket is
 * switched over through the fields that option sets, found by their names. Where they are missing
 * (another Node) or for TLS, the socket keeps Node's own reads ('data' events). A read with bytes
 * then goes from the handle to the connection directly (takeReads below).
 */
import type net from 'node:net';
import { streamBinding } from './stream-binding.js';

/** A read's bytes: `buffer[0, nread)`, the caller's only until it returns. */
export type SharedRead = (nread: number, buffer: Buffer) => void;

/** Node's default read size for a stream (libuv is asked for 64 KiB). */
const SHARED_READ_BYTES = 64 * 1024;

interface OnreadFields {
  readonly buffer: symbol;
  readonly callback: symbol;
  readonly generator: symbol;
}

/** net.js's kBuffer, kBufferCb and kBufferGen, set on every socket it makes; null when absent. */
function onreadFields(socket: net.Socket): OnreadFields | null {
  const byName = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]));
  const buffer = byName.get('kBuffer');
  const callback = byName.get('kBufferCb');
  const generator = byName.get('kBufferGen');
  if (buffer === undefined || callback === undefined || generator === undefined) return null;
  return { buffer, callback, generator };
}

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
  /** Called by the handle for every read, end of input and read error (net.js's onStreamRead). */
  onread: (this: UserBufferHandle, arrayBuffer: unknown) => unknown;
}

export class SharedReads {
  private readonly buffer = Buffer.allocUnsafe(SHARED_READ_BYTES);
  private fields: OnreadFields | null | undefined = undefined;

  /**
   * Makes `socket` read into the shared buffer and hand each read to `onRead` (no more 'data'
   * events). Returns false, and changes nothing, when this Node's sockets do not allow it. Call it
   * before the socket's first read (in the server's connection callback).
   */
  adopt(socket: net.Socket, onRead: SharedRead): boolean {
    this.fields ??= onreadFields(socket);
    const fields = this.fields;
    const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
    if (fields === null || typeof handle?.useUserBuffer !== 'function') return false;
    const s = socket as unknown as Record<symbol, unknown>;
    if (s[fields.buffer] !== null || s[fields.generator] !== null) return false;
    const buffer = this.buffer;
    s[fields.buffer] = buffer;
    s[fields.callback] = (nread: number, read: Buffer) => onRead(nread, read);
    handle.useUserBuffer(buffer);
    takeReads(socket, handle as UserBufferHandle, buffer, onRead);
    return true;
  }
}

/**
 * Hands the socket's reads to `onRead` straight from the handle, skipping net.js's onStreamRead
 * (the socket's timeout refresh, its field look-ups) for a read with bytes: rq sets no socket
 * timeout. The end of input, a read error and a read after the socket was destroyed go to Node's
 * own handler, as before.
 */
function takeReads(socket: net.Socket, handle: UserBufferHandle, buffer: Buffer, onRead: SharedRead): void {
  const binding = streamBinding();
  const nodeOnread = handle.onread;
  if (binding === null || typeof nodeOnread !== 'function') return;
  const state = binding.streamBaseState;
  const nreadAt = binding.kReadBytesOrError;
  handle.onread = function (arrayBuffer) {
    const nread = state[nreadAt];
    if (nread > 0 && !socket.destroyed) return void onRead(nread, buffer);
    return nodeOnread.call(this, arrayBuffer);
  };
}
