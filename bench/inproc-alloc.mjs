#!/usr/bin/env node
// Bytes the server allocates per set/get/delete cycle, text and binary: the batches of
// inproc-text.mjs and inproc-binary.mjs (depth 16, one connection, no sockets, no journal), counted by
// V8's sampling heap profiler with the objects already collected included. Unlike CPU time this does
// not move with the machine's load, so it reads a change to the hot path on a busy machine.
// OTHER=<root of another build> measures that build too (both need `npm run build`).
// JOURNAL=1: with the default journal (`--fsync 50`, real files in a temp dir), one event-loop turn per
// batch, so that replies wait for the journal's write as in `rq serve`; DEPTH (default 16) and CONNS
// (connections fed per turn, default 1) shape the batches: JOURNAL=1 DEPTH=1 CONNS=30 is a depth-1 run.
// Usage: node bench/inproc-alloc.mjs [cycles]
import fs from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';

const cycles = Number(process.argv[2] ?? 400_000);
const DEPTH = Number(process.env.DEPTH ?? 16);
const CONNS = Number(process.env.CONNS ?? 1);
const JOURNAL = process.env.JOURNAL === '1';
const PAYLOAD = Buffer.from('x'.repeat(64));
const roots = { this: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..') };
if (process.env.OTHER) roots.other = path.resolve(process.env.OTHER);

const session = new inspector.Session();
session.connect();
const post = (method, params) => new Promise((ok, fail) => session.post(method, params, (e, r) => (e ? fail(e) : ok(r))));

/** The three batches of one protocol, encoded with `root`'s own code. */
async function batches(root, proto) {
  if (proto === 'text') {
    const set = Buffer.concat([Buffer.from(`set q 0 0 ${PAYLOAD.length}\r\n`), PAYLOAD, Buffer.from('\r\n')]);
    return [
      Buffer.concat(Array(DEPTH).fill(set)),
      Buffer.from('get q\r\n'.repeat(DEPTH)),
      Buffer.from('delete q\r\n'.repeat(DEPTH)),
    ];
  }
  const { OP } = await import(`${root}/dist/protocol/binary/constants.js`);
  const { encodeRequest } = await import(`${root}/dist/protocol/binary/packet.js`);
  const repeat = (f) => Buffer.concat(Array.from({ length: DEPTH }, (_, i) => encodeRequest({ ...f, opaque: i })));
  return [
    repeat({ opcode: OP.SET, key: 'q', extras: Buffer.alloc(8), value: PAYLOAD }),
    repeat({ opcode: OP.GET, key: 'q' }),
    repeat({ opcode: OP.DELETE, key: 'q' }),
  ];
}

async function measure(root, proto) {
  const { UNLIMITED } = await import(`${root}/dist/queue/limits.js`);
  const { RqServer } = await import(`${root}/dist/server/server.js`);
  const limits = { ...UNLIMITED, maxItemSize: 1 << 20, maxOpen: 100, maxConnections: Infinity, maxPartialBytes: Infinity };
  let server;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-inproc-alloc-'));
  if (JOURNAL) {
    const { restoreFromStore } = await import(`${root}/dist/server/persistence.js`);
    const { FileStore } = await import(`${root}/dist/journal/file-store.js`);
    const restored = restoreFromStore(limits, new FileStore(dir), { fsync: { kind: 'interval', ms: 50 }, warn: () => {} });
    server = new RqServer({ host: '127.0.0.1', port: 0, limits }, restored);
  } else server = new RqServer({ host: '127.0.0.1', port: 0, limits });
  const streams = Array.from({ length: CONNS }, () => {
    const stream = new Duplex({ read() {}, write: (_chunk, _enc, cb) => cb() });
    server.handle(stream);
    return stream;
  });
  const phases = await batches(root, proto);
  const run = async (n) => {
    for (let i = 0; i < n / DEPTH / CONNS; i++) {
      for (const batch of phases) {
        for (const stream of streams) stream.emit('data', batch);
        if (JOURNAL) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  await run(50_000); // warm up: the engine's blocks, the reply slab, the JIT
  await post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await run(cycles);
  const { profile } = await post('HeapProfiler.stopSampling');
  let bytes = 0;
  const walk = (node) => {
    bytes += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  for (const stream of streams) stream.destroy();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    `${root === roots.this ? 'this ' : 'other'} ${proto.padEnd(6)} ${(bytes / cycles).toFixed(0).padStart(5)} bytes/cycle`,
  );
}

for (const proto of ['text', 'binary']) for (const root of Object.values(roots)) await measure(root, proto);
process.exit(0);
