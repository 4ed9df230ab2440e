// In-process cost of the binary protocol hot path: parser → session → engine → reply buffer, no sockets.
// The binary twin of inproc-text.mjs: batches of SET, GET, DELETE (depth 16) to one connection over a fake stream.
// Usage: npm run build && node bench/inproc-binary.mjs [cycles]
import { Duplex } from 'node:stream';
import { RqServer } from '../dist/server/server.js';
import { OP } from '../dist/protocol/binary/constants.js';
import { encodeRequest } from '../dist/protocol/binary/packet.js';

const cycles = Number(process.argv[2] ?? 2_000_000);
const server = new RqServer({ host: '127.0.0.1', port: 0, limits: { maxItemSize: 1 << 20, maxOpen: 100 } });
let written = 0;
const stream = new Duplex({ read() {}, write(chunk, _enc, cb) { written += chunk.length; cb(); } });
server.handle(stream);
const payload = Buffer.from('x'.repeat(64));
const DEPTH = 16;
const repeat = (fields) => Buffer.concat(Array.from({ length: DEPTH }, (_, i) => encodeRequest({ ...fields, opaque: i })));
const sets = repeat({ opcode: OP.SET, key: 'q', extras: Buffer.alloc(8), value: payload });
const gets = repeat({ opcode: OP.GET, key: 'q' });
const dels = repeat({ opcode: OP.DELETE, key: 'q' });
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
for (let i = 0; i < cycles / DEPTH; i++) {
  stream.emit('data', sets);
  stream.emit('data', gets);
  stream.emit('data', dels);
}
const ns = Number(process.hrtime.bigint() - t0);
const cpu = process.cpuUsage(cpu0);
const cpuNs = (cpu.user + cpu.system) * 1000;
console.log(`${cycles} cycles in ${(ns / 1e6).toFixed(0)} ms: ${(cycles / (ns / 1e9) / 1e3).toFixed(0)}k cycles/s, ${(ns / cycles).toFixed(0)} ns/cycle wall, ${(cpuNs / cycles).toFixed(0)} ns/cycle cpu, ${written} bytes out`);
process.exit(0);
