// In-process cost of the text protocol hot path: parser → session → engine → reply buffer, no sockets.
// Feeds batches like qbench's depth-16 cycle (set, get, delete) to one connection over a fake stream.
// Usage: npm run build && node bench/inproc-text.mjs [cycles]
import { Duplex } from 'node:stream';
import { RqServer } from '../dist/server/server.js';

const cycles = Number(process.argv[2] ?? 2_000_000);
const server = new RqServer({ host: '127.0.0.1', port: 0, limits: { maxItemSize: 1 << 20, maxOpen: 100 } });
let written = 0;
const stream = new Duplex({ read() {}, write(chunk, _enc, cb) { written += chunk.length; cb(); } });
server.handle(stream);
const payload = 'x'.repeat(64);
const DEPTH = 16;
const sets = Buffer.from(`set q 0 0 64\r\n${payload}\r\n`.repeat(DEPTH));
const gets = Buffer.from('get q\r\n'.repeat(DEPTH));
const dels = Buffer.from('delete q\r\n'.repeat(DEPTH));
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
