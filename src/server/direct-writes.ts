/**
 * Plain TCP replies are handed straight to the socket's handle (the call net.Socket makes in the
 * end), not through the socket's Writable: a connection writes once per turn and almost every write
 * goes out whole at once, so Writable's per-write bookkeeping (its state, a write request object,
 * the callback scheduled for after the write) buys nothing; with Node's read handler it was about
 * 3 % of the server's CPU at depth 16 (bench/RESULTS.md).
 *
 * The handle's write takes a request object of Node's own class and reports through shared state
 * whether the write finished at once (stream-binding.ts). Where any of it is missing (another
 * Node), or for TLS, connections keep writing through the stream.
 */
import type net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { streamBinding, type StreamBinding, type WriteRequest } from './stream-binding.js';

interface WritableHandle {
  /** Returns 0 or a negative errno; the outcome is in the binding's streamBaseState. */
  writeBuffer(req: WriteRequest, data: Buffer): number;
}

export class DirectWrites {
  /** A write the system has not finished taking; later bytes must queue behind it. */
  private pendingBytes = 0;
  /** Used for writes that finish at once (nothing keeps it); replaced once a write keeps it. */
  private req: WriteRequest;

  private constructor(
    private readonly socket: net.Socket,
    private readonly handle: WritableHandle,
    private readonly wrap: StreamBinding,
    /** A write that had to wait has finished: the socket takes more. */
    private readonly onWritten: () => void,
  ) {
    this.req = new wrap.WriteWrap();
  }

  /**
   * Direct writes for `socket`, or null when this Node does not allow them (the connection then
   * writes through the stream). For a plain TCP socket only: TLS writes through its stream.
   */
  static for(socket: net.Socket, onWritten: () => void): DirectWrites | null {
    if ((socket as { encrypted?: boolean }).encrypted === true) return null;
    const binding = streamBinding();
    const handle = (socket as unknown as { _handle?: Partial<WritableHandle> | null })._handle;
    if (binding === null || typeof handle?.writeBuffer !== 'function') return null;
    return new DirectWrites(socket, handle as WritableHandle, binding, onWritten);
  }

  /** True while a write waits for the system to take its bytes (the peer is not reading). */
  get pending(): boolean {
    return this.pendingBytes > 0;
  }

  /** Bytes handed over and not yet taken by the system. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Writes `data`, or returns false without writing when it must go through the stream instead:
   * the stream holds earlier bytes, or is closed or ending, or a direct write is still pending.
   * After a true return with `pending` set, `onWritten` is called once the bytes are taken.
   */
  write(data: Buffer): boolean {
    const socket = this.socket;
    if (this.pendingBytes > 0 || socket.writableLength > 0 || !socket.writable) return false;
    if ((socket as unknown as { _handle: unknown })._handle !== this.handle) return false;
    const req = this.req;
    const err = this.handle.writeBuffer(req, data);
    if (err !== 0) {
      socket.destroy(writeError(err));
      return true;
    }
    if (this.wrap.streamBaseState[this.wrap.kLastWriteWasAsync] === 0) return true;
    // The system took part of it: the handle keeps `req` until the rest is written.
    this.req = new this.wrap.WriteWrap();
    req.buffer = data;
    this.pendingBytes = data.length;
    req.oncomplete = (status: number) => {
      req.buffer = null;
      this.pendingBytes = 0;
      if (status < 0) socket.destroy(writeError(status));
      else this.onWritten();
    };
    return true;
  }
}

function writeError(errno: number): Error {
  const code = getSystemErrorName(errno);
  return Object.assign(new Error(`write ${code}`), { code, errno, syscall: 'write' });
}
