/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of zlib, gzip and PNG, and of every
 * journal record (docs/journal-format.md). Equal to `zlib.crc32`.
 *
 * Why two paths: `zlib.crc32` is native but costs ~200 ns per call before the first byte, which is more
 * than the whole record for the small records that dominate a journal (reserve, ack: ~20 bytes; a
 * 64-byte item: ~100). A slice-by-8 table loop sums those in 20–90 ns with no allocation; long ranges
 * (large items) go to zlib, which is faster per byte.
 */
import zlib from 'node:zlib';

const TABLES: Int32Array[] = [];
for (let k = 0; k < 8; k++) TABLES.push(new Int32Array(256));
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLES[0][n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let k = 1; k < 8; k++) TABLES[k][n] = TABLES[0][TABLES[k - 1][n] & 0xff] ^ (TABLES[k - 1][n] >>> 8);
}
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES;

/** From this many bytes zlib's native loop wins (measured on Node 20, x86-64). */
const NATIVE_FROM_BYTES = 256;

/** CRC-32 of buf[start, end). */
export function crc32(buf: Buffer, start: number, end: number): number {
  if (end - start >= NATIVE_FROM_BYTES) return zlib.crc32(buf.subarray(start, end));
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c =
      T7[c & 0xff] ^
      T6[(c >>> 8) & 0xff] ^
      T5[(c >>> 16) & 0xff] ^
      T4[c >>> 24] ^
      T3[buf[i + 4]] ^
      T2[buf[i + 5]] ^
      T1[buf[i + 6]] ^
      T0[buf[i + 7]];
  }
  for (; i < end; i++) c = T0[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
