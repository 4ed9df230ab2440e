/**
 * A raw TCP client for protocol tests: send exact bytes, read exact replies. Every read waits for
 * data with a deadline; nothing sleeps. With it: the connections a test opens, closed after it, and
 * the text protocol's storage command and stats, written and parsed once for every wire test.
 */
import net from 'node:net';

const DEFAULT_DEADLINE_MS = 5000;

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private closedFlag = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket.on('close', () => {
      this.closedFlag = true;
      this.notify();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Wraps a socket that is already connected (a TLS socket, for instance). */
  static wrap(socket: net.Socket): RawClient {
    return new RawClient(socket);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Bytes received and not yet read. */
  get unread(): Buffer {
    return this.buffer;
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Reads exactly n bytes. */
  async readBytes(n: number, deadlineMs = DEFAULT_DEADLINE_MS): Promise<Buffer> {
    await this.until(() => this.buffer.length >= n, deadlineMs, `${n} bytes`);
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return Buffer.from(out);
  }

  /** Reads up to and including the next CRLF; returns the line without it. */
  async readLine(deadlineMs = DEFAULT_DEADLINE_MS): Promise<string> {
    await this.until(() => this.buffer.indexOf('\r\n') >= 0, deadlineMs, 'a line');
    const at = this.buffer.indexOf('\r\n');
    const line = this.buffer.toString('latin1', 0, at);
    this.buffer = this.buffer.subarray(at + 2);
    return line;
  }

  /** Reads until `terminator` (inclusive) and returns everything as latin1 text. */
  async readUntil(terminator: string, deadlineMs = DEFAULT_DEADLINE_MS): Promise<string> {
    await this.until(() => this.buffer.indexOf(terminator, 0, 'latin1') >= 0, deadlineMs, JSON.stringify(terminator));
    const at = this.buffer.indexOf(terminator, 0, 'latin1') + terminator.length;
    const text = this.buffer.toString('latin1', 0, at);
    this.buffer = this.buffer.subarray(at);
    return text;
  }

  /** Sends a request and reads the reply up to `terminator`. */
  async request(data: string | Buffer, terminator = '\r\n'): Promise<string> {
    this.send(data);
    return this.readUntil(terminator);
  }

  /** Waits until the server closes the connection. */
  async waitClosed(deadlineMs = DEFAULT_DEADLINE_MS): Promise<void> {
    await this.until(() => this.closedFlag, deadlineMs, 'the connection to close');
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private until(ready: () => boolean, deadlineMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          resolve();
        } else if (this.closedFlag) {
          clearTimeout(timer);
          reject(
            new Error(`connection closed while waiting for ${what}; unread: ${JSON.stringify(this.buffer.toString('latin1'))}`),
          );
        } else {
          this.waiters.push(check);
        }
      };
      const timer = setTimeout(() => {
        reject(new Error(`no ${what} within ${deadlineMs} ms; unread: ${JSON.stringify(this.buffer.toString('latin1'))}`));
      }, deadlineMs);
      check();
    });
  }
}

/** The connections a test opens (raw, binary or TLS), all closed by closeAll() in afterEach. */
export class Connections {
  private readonly open: Array<{ close(): void }> = [];

  constructor(private readonly port: () => number) {}

  /** A raw connection to the test's server. */
  async connect(): Promise<RawClient> {
    return this.add(await RawClient.connect(this.port()));
  }

  /** A connection opened another way, to be closed with the rest. */
  add<C extends { close(): void }>(c: C): C {
    this.open.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.open.splice(0)) c.close();
  }
}

/** A storage command with its data block (latin1). */
export function setCommand(queue: string, data: string | Buffer, flags = 0, exptime = 0, noreply = false): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const line = `set ${queue} ${flags} ${exptime} ${bytes.length}${noreply ? ' noreply' : ''}\r\n`;
  return Buffer.concat([Buffer.from(line, 'latin1'), bytes, Buffer.from('\r\n')]);
}

/** setCommand as latin1 text, to join with other request lines. */
export function setText(queue: string, data: string, flags = 0, exptime = 0, noreply = false): string {
  return setCommand(queue, data, flags, exptime, noreply).toString('latin1');
}

/** Sends `stats` and returns its pairs. */
export async function stats(c: RawClient): Promise<Map<string, string>> {
  const text = await c.request('stats\r\n', 'END\r\n');
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** One stats field as a number (NaN when absent). */
export async function stat(c: RawClient, name: string): Promise<number> {
  return Number((await stats(c)).get(name));
}
