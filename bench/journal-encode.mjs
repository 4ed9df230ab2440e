#!/usr/bin/env node
// The journal's hot path alone: CPU to encode the records of one queue cycle (enqueued with 64 bytes
// of data, reserved, acked; from format 4 the reservation joins a reserved_run; from format 5 the ack
// goes through the acked_run path, and stays one acked record since an enqueue comes between) into the write
// buffer, and the bytes they take, over N cycles (default 1,000,000), five times. OTHER=<root of another build> times that build's encoder too, alternating
// with this one (both need `npm run build`). Usage: node bench/journal-encode.mjs [cycles]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cycles = Number(process.argv[2] ?? 1_000_000);
const roots = { this: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..') };
if (process.env.OTHER) roots.other = path.resolve(process.env.OTHER);

const builds = {};
for (const [name, root] of Object.entries(roots)) {
  builds[name] = {
    RecordEncoder: (await import(path.join(root, 'dist/journal/encoder.js'))).RecordEncoder,
    RecordType: (await import(path.join(root, 'dist/journal/format.js'))).RecordType,
  };
}

const data = Buffer.alloc(64, 'x');
function run({ RecordEncoder, RecordType }) {
  const enc = new RecordEncoder();
  let bytes = 0;
  const t = process.cpuUsage();
  for (let i = 1; i <= cycles; i++) {
    enc.enqueued('q', i, 0, 0, 1_700_000_000_000, data);
    if (enc.reservedHead) enc.reservedHead('q', i);
    else enc.item(RecordType.Reserved, 'q', i);
    if (enc.acked) enc.acked('q', i);
    else enc.item(RecordType.Acked, 'q', i);
    if (enc.length > 60_000) {
      bytes += enc.length;
      enc.takeView();
    }
  }
  bytes += enc.length;
  const d = process.cpuUsage(t);
  return { ns: ((d.user + d.system) * 1000) / cycles, bytes: bytes / cycles };
}

const results = Object.fromEntries(Object.keys(builds).map((name) => [name, []]));
for (let rep = 0; rep < 5; rep++) for (const [name, build] of Object.entries(builds)) results[name].push(run(build));
for (const [name, runs] of Object.entries(results)) {
  const ns = runs.map((r) => r.ns).sort((a, b) => a - b);
  console.log(
    `${name.padEnd(6)} ${roots[name]}: ${Math.round(ns[2])} ns cpu/cycle (median of 5; ${ns.map(Math.round).join(', ')}), ${Math.round(runs[0].bytes)} bytes/cycle`,
  );
}
