/**
 * Hand-built binary packets over a real socket: send exact requests, read whole response packets.
 * Reads wait for data with a deadline (RawClient); nothing sleeps.
 */
import { HEADER_BYTES, OFFSET } from '../../src/protocol/binary/constants.js';
import { decodePackets, encodeRequest, type Packet, type PacketFields } from '../../src/protocol/binary/packet.js';
import { RawClient } from './raw-client.js';

export class BinaryClient {
  constructor(readonly raw: RawClient) {}

  static async connect(port: number): Promise<BinaryClient> {
    return new BinaryClient(await RawClient.connect(port));
  }

  get closed(): boolean {
    return this.raw.closed;
  }

  send(...requests: Array<PacketFields | Buffer>): void {
    this.raw.send(Buffer.concat(requests.map((r) => (Buffer.isBuffer(r) ? r : encodeRequest(r)))));
  }

  /** Reads one whole response packet. */
  async read(deadlineMs?: number): Promise<Packet> {
    const header = await this.raw.readBytes(HEADER_BYTES, deadlineMs);
    const body = await this.raw.readBytes(header.readUInt32BE(OFFSET.bodyLength), deadlineMs);
    return decodePackets(Buffer.concat([header, body])).packets[0];
  }

  /** Reads n packets. */
  async readN(n: number): Promise<Packet[]> {
    const out: Packet[] = [];
    for (let i = 0; i < n; i++) out.push(await this.read());
    return out;
  }

  /** Reads packets until one with `opaque` (inclusive): the end of a quiet batch (its NOOP). */
  async readUntilOpaque(opaque: number): Promise<Packet[]> {
    const out: Packet[] = [];
    for (;;) {
      const p = await this.read();
      out.push(p);
      if (p.opaque === opaque) return out;
    }
  }

  /** Sends one request and reads one reply. */
  async request(fields: PacketFields): Promise<Packet> {
    this.send(fields);
    return this.read();
  }

  /** Reads the STAT stream up to its empty packet; returns name → value. */
  async readStats(): Promise<Map<string, string>> {
    const stats = new Map<string, string>();
    for (;;) {
      const p = await this.read();
      if (p.key.length === 0 && p.value.length === 0) return stats;
      stats.set(p.key.toString('latin1'), p.value.toString('latin1'));
    }
  }

  waitClosed(deadlineMs?: number): Promise<void> {
    return this.raw.waitClosed(deadlineMs);
  }

  close(): void {
    this.raw.close();
  }
}

/** SET extras: 4 bytes flags, 4 bytes exptime. */
export function setExtras(flags = 0, exptime = 0): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(flags, 0);
  b.writeUInt32BE(exptime, 4);
  return b;
}
