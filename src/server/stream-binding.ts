/**
 * Node's `stream_wrap` binding (`process.binding('stream_wrap')`): the request class a socket
 * handle's write takes, and the state array where the handle reports a read's size and whether a
 * write finished at once. Used by direct-writes.ts and shared-reads.ts to skip net.Socket's
 * per-read and per-write JS; null where this Node's binding is not what they expect, and they then
 * leave the socket to its stream.
 */

export interface WriteRequest {
  oncomplete: (status: number) => void;
  /** Keeps the bytes alive while the system has not taken them all. */
  buffer: Buffer | null;
}

export interface StreamBinding {
  readonly WriteWrap: new () => WriteRequest;
  readonly streamBaseState: Int32Array;
  /** Index in streamBaseState of the last read's byte count (or a negative errno, or EOF). */
  readonly kReadBytesOrError: number;
  /** Index in streamBaseState of 1 when the last write left bytes for later, else 0. */
  readonly kLastWriteWasAsync: number;
}

let binding: StreamBinding | null | undefined;

export function streamBinding(): StreamBinding | null {
  binding ??= load();
  return binding;
}

function load(): StreamBinding | null {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamBinding> }).binding('stream_wrap');
    const { WriteWrap, streamBaseState, kReadBytesOrError, kLastWriteWasAsync } = b;
    if (typeof WriteWrap !== 'function' || !(streamBaseState instanceof Int32Array)) return null;
    if (typeof kReadBytesOrError !== 'number' || typeof kLastWriteWasAsync !== 'number') return null;
    return { WriteWrap, streamBaseState, kReadBytesOrError, kLastWriteWasAsync };
  } catch {
    return null;
  }
}
