#!/usr/bin/env node
// Restart time with N live items (default 1,000,000 of 64 bytes): writes a data directory through rq's
// own journal (dist/, so `npm run build` first), then times `bin/rq serve` from spawn to its
// "listening" line, three times, and prints the median. Usage: node bench/journal-replay.mjs [items] [bytes]
// Environment: KEEP=1 keeps the data directory (its path is printed); DATA=<dir> times startups on
// <dir> instead of writing one (another build's journal, for instance). Each start gets a fresh copy.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Journal } = await import(path.join(root, 'dist/journal/journal.js'));
const { FileStore } = await import(path.join(root, 'dist/journal/file-store.js'));
const { QueueEngine } = await import(path.join(root, 'dist/queue/engine.js'));
const { UNLIMITED } = await import(path.join(root, 'dist/queue/limits.js'));

const items = Number(process.argv[2] ?? 1_000_000);
const size = Number(process.argv[3] ?? 64);
const dir = process.env.DATA ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rq-replay-bench-'));

if (process.env.DATA === undefined) {
  // Write: 1M enqueues plus some churn (acks) so the journal has a snapshot and segments, as in life.
  const journal = new Journal(new FileStore(dir), { fsync: { kind: 'never' }, warn: () => {} });
  const engine = new QueueEngine({ ...UNLIMITED, maxOpen: 100 }, journal);
  // (`open` is the name in builds before the journal's renames, to compare with them.)
  (journal.restore ?? journal.open).call(journal, engine, Date.now());
  const data = Buffer.alloc(size, 'x');
  const h = engine.newHolder();
  for (let i = 0; i < items; i++) {
    engine.enqueue(`q${i % 4}`, 0, 0, data, Date.now());
    if (i % 10 === 0) {
      engine.reserve(h, `q${i % 4}`, Date.now());
      engine.ack(h, `q${i % 4}`);
      engine.enqueue(`q${i % 4}`, 0, 0, data, Date.now()); // keep `items` live
    }
    if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
  }
  await journal.close();
}
const bytes = fs.readdirSync(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
console.log(`data dir: ${dir}, ${(bytes / 1e6).toFixed(1)} MB in ${fs.readdirSync(dir).length} files`);

/** Starts a server on a fresh copy of the data (a start changes the directory: new segment, manifest, compaction). */
function startOnce() {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-replay-run-'));
  fs.cpSync(dir, run, { recursive: true });
  return startIn(run).finally(() => fs.rmSync(run, { recursive: true, force: true }));
}

function startIn(dir) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bin/rq'), 'serve', '--port', '0', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      if (!String(d).includes('listening')) return;
      const ms = performance.now() - t;
      const cpuMs = cpuOf(child.pid);
      child.kill('SIGTERM');
      child.once('exit', () => resolve({ ms, cpuMs, line: err.split('\n').find((l) => l.includes('restored')) }));
    });
    child.once('exit', (code) => code !== null && code !== 0 && reject(new Error(`rq serve exited ${code}: ${err}`)));
  });
}
/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux; null elsewhere): steadier
 * than wall time on a machine other work shares.
 */
function cpuOf(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (CLK_TCK 100)
  } catch {
    return null;
  }
}

const runs = [];
for (let i = 0; i < 3; i++) runs.push(await startOnce());
runs.sort((a, b) => a.ms - b.ms);
console.log(runs[1].line);
console.log(
  `restart (spawn to listening), median of 3: ${Math.round(runs[1].ms)} ms  [${runs.map((r) => Math.round(r.ms)).join(', ')}]`,
);
const cpu = runs.map((r) => r.cpuMs).sort((a, b) => a - b);
if (cpu[1] !== null) console.log(`CPU used to listening, median of 3: ${cpu[1]} ms  [${cpu.join(', ')}]`);
if (process.env.KEEP || process.env.DATA) console.log(`kept ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });
