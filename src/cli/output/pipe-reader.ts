/**
 * How much of what rq wrote into its standard output the reader has read, when standard output is
 * a pipe (rq-pop(1) "What written means"). A write into a pipe only puts the bytes in the pipe's
 * buffer; whether the reader ever reads them, the writer is not told. Linux has a call that says how
 * many bytes of a pipe are unread (the FIONREAD ioctl), but Node cannot make it. What Node can do
 * is what this module does: open the pipe's read end through /proc/self/fd/1, read out whatever is
 * still unread (one read takes it all, so the reader cannot take part of it meanwhile), close that
 * read end, and write the same bytes back. The reader then reads exactly the byte stream it would
 * have read: the bytes come back behind what it already took, and nobody else writes to the pipe.
 * If writing them back fails with EPIPE, the reader has gone and the bytes are known unread.
 *
 * Used only while rq itself has no write in progress on the pipe (the bytes read out are then the
 * tail of rq's own output), and only when they are: output that other processes share (rq's own
 * stderr sent into the same pipe with 2>&1, two writers on one pipe) makes the check give up.
 */
import fs from 'node:fs';

/** One look at the pipe: how many of the last bytes written are still unread, and whether a reader is there. */
export interface PipeLook {
  readonly unread: number;
  /** False when the reader has closed the pipe (the unread bytes never reach anybody). */
  readonly readerThere: boolean;
}

/** Reads from a non-blocking pipe this much at a time: a pipe holds at most 1 MiB (Linux's pipe-max-size). */
const READ_BYTES = 1024 * 1024;

export class PipeReader {
  private readonly buffer = Buffer.allocUnsafe(READ_BYTES);

  private constructor(
    private readonly fd: number,
    private readonly path: string,
  ) {}

  /** A reader for stdout when it is a pipe whose read end can be opened (Linux with /proc); else null. */
  static forStdout(): PipeReader | null {
    try {
      if (!fs.fstatSync(1).isFIFO()) return null;
      const path = '/proc/self/fd/1';
      fs.closeSync(fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
      return new PipeReader(1, path);
    } catch {
      return null;
    }
  }

  /**
   * Looks at the pipe. `tail` is what rq wrote last and may still be unread: the unread bytes must
   * be its end, or the look fails (null: someone else's bytes are in the pipe too). With `takeBack`
   * the unread bytes are not written back: rq is stopping, and they go back to the queue instead.
   */
  look(tail: Buffer, takeBack = false): PipeLook | null {
    const unread = this.readOut();
    if (unread === null) return null;
    const ours = unread.length <= tail.length && unread.equals(tail.subarray(tail.length - unread.length));
    if (takeBack && ours) return { unread: unread.length, readerThere: true };
    if (unread.length === 0) return { unread: 0, readerThere: true };
    const written = this.writeBack(unread);
    if (written === 'gone') return ours ? { unread: unread.length, readerThere: false } : null;
    return ours ? { unread: unread.length, readerThere: true } : null;
  }

  /** Everything unread in the pipe, or null when the read end cannot be opened. */
  private readOut(): Buffer | null {
    let fd: number;
    try {
      fd = fs.openSync(this.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch {
      return null;
    }
    const parts: Buffer[] = [];
    try {
      for (;;) {
        const n = fs.readSync(fd, this.buffer, 0, this.buffer.length, null);
        if (n === 0) break;
        parts.push(Buffer.from(this.buffer.subarray(0, n)));
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    } finally {
      // Closed before writing back, so that the write fails with EPIPE when nobody else reads.
      fs.closeSync(fd);
    }
    return Buffer.concat(parts);
  }

  /** Writes the bytes back into the (now empty) pipe; 'gone' when no reader is left. */
  private writeBack(bytes: Buffer): 'ok' | 'gone' {
    let at = 0;
    while (at < bytes.length) {
      try {
        at += fs.writeSync(this.fd, bytes, at);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') return 'gone';
        if (code !== 'EAGAIN') throw err;
        // The pipe had room for these bytes a moment ago; another writer took it. They go out,
        // in order, when there is room again (rq has no other write in progress).
        process.stdout.write(bytes.subarray(at));
        return 'ok';
      }
    }
    return 'ok';
  }
}
