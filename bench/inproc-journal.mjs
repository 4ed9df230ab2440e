#!/usr/bin/env node
// In-process cost of the journal on the text hot path: the same cycles (set, get, delete) as
// bench/inproc-text.mjs, fed to fake connections, one phase per event-loop turn, with no journal and
// with the journal at each --fsync setting (real files in a temp dir). Prints CPU ns per cycle for each.
// Usage: npm run build && node bench/inproc-journal.mjs [cycles]
// Environment: DEPTH (cycles in flight per connection, default 16), CONNS (connections read per turn,
// default 50; a real depth-1 run reads about 30 per turn: DEPTH=1 CONNS=30), ONLY=none,never,50,always
// (the settings to run, in that order; default all), REPS (rounds, default 2), RQ_ROOT (the root of
// another build to measure instead of this one, `npx tsc` run there).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = path.resolve(process.env.RQ_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const load = (file) => import(path.join(root, 'dist', file));
const { UNLIMITED } = await load('queue/limits.js');
const { RqServer } = await load('server/server.js');
const { restoreFromStore } = await load('server/persistence.js');
const { FileStore } = await load('journal/file-store.js');

const cycles = Number(process.argv[2] ?? 1_000_000);
const CONNS = Number(process.env.CONNS ?? 50);
const DEPTH = Number(process.env.DEPTH ?? 16);
const payload = 'x'.repeat(64);
const sets = Buffer.from(`set q 0 0 64\r\n${payload}\r\n`.repeat(DEPTH));
const gets = Buffer.from('get q\r\n'.repeat(DEPTH));
const dels = Buffer.from('delete q\r\n'.repeat(DEPTH));
const limits = { ...UNLIMITED, maxItemSize: 1 << 20, maxOpen: 100, maxConnections: Infinity, maxPartialBytes: Infinity };

async function run(label, fsync) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-inproc-j-'));
  let server,
    restored = null;
  if (fsync === null) server = new RqServer({ host: '127.0.0.1', port: 0, limits });
  else {
    restored = restoreFromStore(limits, new FileStore(dir), { fsync, warn: () => {} });
    server = new RqServer({ host: '127.0.0.1', port: 0, limits }, restored);
  }
  const streams = [];
  for (let c = 0; c < CONNS; c++) {
    const s = new Duplex({
      read() {},
      write(_chunk, _e, cb) {
        cb();
      },
    });
    server.handle(s);
    streams.push(s);
  }
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < cycles / DEPTH / CONNS; i++) {
    for (const phase of [sets, gets, dels]) {
      for (const s of streams) s.emit('data', phase);
      // One event-loop turn per phase, as when 50 clients' requests arrive together; wait for the replies.
      await new Promise((resolve) => setImmediate(resolve));
      if (fsync !== null && fsync.kind === 'always')
        await new Promise((resolve) =>
          restored.persistence.durability.whenDurable(restored.persistence.durability.appended, resolve),
        );
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${label.padEnd(14)} ${(cycles / (ns / 1e9) / 1e3).toFixed(0).padStart(5)}k cycles/s  ${(((cpu.user + cpu.system) * 1000) / cycles).toFixed(0).padStart(5)} ns cpu/cycle`,
  );
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

const SETTINGS = {
  none: ['no journal', null],
  never: ['--fsync never', { kind: 'never' }],
  50: ['--fsync 50', { kind: 'interval', ms: 50 }],
  always: ['--fsync always', { kind: 'always' }],
};
const only = (process.env.ONLY ?? 'none,never,50,always').split(',');
for (const name of only) if (!(name in SETTINGS)) throw new Error(`ONLY: unknown setting ${name} (none, never, 50, always)`);
for (let rep = 0; rep < Number(process.env.REPS ?? 2); rep++) for (const name of only) await run(...SETTINGS[name]);
