// The harness of the in-process benchmarks (inproc-text.mjs, inproc-binary.mjs): one connection of a
// real RqServer over a fake stream (no sockets), fed batches of set, get, delete — qbench's depth-16
// cycle — and one line of figures: cycles per second, wall and CPU ns per cycle, bytes written.

import { Duplex } from 'node:stream';
import { UNLIMITED } from '../dist/queue/limits.js';
import { RqServer } from '../dist/server/server.js';

/** Requests per batch, as qbench's depth 16. */
export const DEPTH = 16;

/** The payload of every set: 64 bytes, as qbench's default. */
export const PAYLOAD = Buffer.from('x'.repeat(64));

/**
 * Runs `cycles` set/get/delete cycles (argv[2], default 2,000,000), each batch of DEPTH requests
 * fed as one read, prints the figures and exits. `batches` are the encoded sets, gets and deletes.
 */
export function runCycles({ sets, gets, dels }) {
  const cycles = Number(process.argv[2] ?? 2_000_000);
  const limits = { ...UNLIMITED, maxItemSize: 1 << 20, maxOpen: 100, maxConnections: Infinity, maxPartialBytes: Infinity };
  const server = new RqServer({ host: '127.0.0.1', port: 0, limits });
  let written = 0;
  const stream = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      written += chunk.length;
      cb();
    },
  });
  server.handle(stream);
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
  console.log(
    `${cycles} cycles in ${(ns / 1e6).toFixed(0)} ms: ${(cycles / (ns / 1e9) / 1e3).toFixed(0)}k cycles/s, ${(ns / cycles).toFixed(0)} ns/cycle wall, ${(cpuNs / cycles).toFixed(0)} ns/cycle cpu, ${written} bytes out`,
  );
  process.exit(0);
}
