/**
 * Writes binary response packets straight into a connection's ReplyBuffer (no packet objects on the
 * hot path). Header layout comes from protocol/binary/packet.ts; this only chooses what goes in it.
 */
import { GET_EXTRAS_BYTES, HEADER_BYTES, MAGIC_RESPONSE, STATUS, STATUS_TEXT } from '../protocol/binary/constants.js';
import { writeHeader } from '../protocol/binary/packet.js';
import type { Item } from '../queue/types.js';
import type { ReplyBuffer } from './reply-buffer.js';

/** The request fields a reply echoes. */
export interface Echo {
  readonly opcode: number;
  readonly opaque: number;
}

export class BinaryReplies {
  /** A header, and a header plus GET extras, reused: ReplyBuffer copies what it is given. */
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private readonly scratch = Buffer.alloc(HEADER_BYTES + GET_EXTRAS_BYTES);

  constructor(private readonly out: ReplyBuffer) {}

  /** A reply with only a header: status, optional CAS. */
  empty(req: Echo, status: number = STATUS.SUCCESS, cas = 0): void {
    writeHeader(this.header, 0, MAGIC_RESPONSE, req.opcode, 0, 0, status, 0, req.opaque, cas);
    this.out.bytes(this.header);
  }

  /** A reply whose body is a latin1 string value (and optionally a latin1 key): stats, version, errors. */
  text(req: Echo, status: number, key: string, value: string): void {
    writeHeader(this.header, 0, MAGIC_RESPONSE, req.opcode, key.length, 0, status, key.length + value.length, req.opaque, 0);
    this.out.bytes(this.header);
    this.out.text(key);
    this.out.text(value);
  }

  /** An error status whose body is `message` (memcached's own text for the status when none is given). */
  error(req: Echo, status: number, message?: string): void {
    this.text(req, status, '', message ?? STATUS_TEXT[status] ?? '');
  }

  /**
   * A GET hit: flags in 4 bytes of extras, the key when asked (GETK), the item id as CAS, the data.
   * With `deliveries` (docs/protocol.md: the `deliveries` option) the key is followed by `=<count>`,
   * written in place rather than built as a string: a pop asks for it with every item.
   */
  item(req: Echo, key: string | null, item: Item, deliveries = false): void {
    const keyLength = key === null ? 0 : deliveries ? key.length + 1 + decimalDigits(item.deliveries) : key.length;
    const body = GET_EXTRAS_BYTES + keyLength + item.data.length;
    writeHeader(
      this.scratch,
      0,
      MAGIC_RESPONSE,
      req.opcode,
      keyLength,
      GET_EXTRAS_BYTES,
      STATUS.SUCCESS,
      body,
      req.opaque,
      item.id,
    );
    const flags = item.flags;
    const s = this.scratch;
    s[HEADER_BYTES] = flags >>> 24;
    s[HEADER_BYTES + 1] = flags >>> 16;
    s[HEADER_BYTES + 2] = flags >>> 8;
    s[HEADER_BYTES + 3] = flags;
    this.out.bytes(this.scratch);
    if (key !== null) this.out.text(key);
    if (deliveries) {
      this.out.text('=');
      this.out.int(item.deliveries);
    }
    this.out.bytes(item.data);
  }

  /** A GET miss: "Not found", or for GETK the key and no message (as memcached). */
  miss(req: Echo, key: string | null): void {
    if (key === null) this.error(req, STATUS.KEY_NOT_FOUND);
    else this.text(req, STATUS.KEY_NOT_FOUND, key, '');
  }
}

/** How many digits ReplyBuffer#int writes for `n` (a non-negative integer). */
function decimalDigits(n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}
