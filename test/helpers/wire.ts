/** Shared pieces of wire tests: raw connections closed after each test, stats parsing. */
import { RawClient } from './raw-client.js';

/** Opens raw connections and closes them all in afterEach. */
export class Connections {
  private readonly open: RawClient[] = [];

  constructor(private readonly port: () => number) {}

  async connect(): Promise<RawClient> {
    const c = await RawClient.connect(this.port());
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
