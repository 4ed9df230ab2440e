#!/usr/bin/env node
// bench/bullmq.mjs — BullMQ on redis, the queue a Node team would pick, driven like qbench drives
// the others (bench/run.sh configuration bullmq-aof: redis `appendonly yes`, `appendfsync everysec`).
//
// One op is one job's cycle: Queue.add, a Worker takes it (BullMQ's reservation: the job is
// locked to the worker), the processor returns, the job completes (and is removed, as a queue
// that does not keep finished jobs does). `--conns × --depth` jobs are kept in flight, like
// qbench's cycles in flight; the Worker's concurrency is the same. Prints qbench's text line and,
// with --json, a JSON line with qbench's field names, so run.sh treats it like qbench.
//
// usage: node bench/bullmq.mjs --port N [--seconds 5] [--conns 50] [--depth 1] [--size 64]
//        [--warmup 1] [--server-pid PID] [--label S] [--json]
// Needs `npm ci --prefix bench` (bullmq and ioredis are bench-only dependencies).
import fs from 'node:fs';
import os from 'node:os';
import { Queue, Worker } from 'bullmq';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : args[i + 1];
};
const port = Number(opt('port', 6379));
const seconds = Number(opt('seconds', 5));
const warmup = Number(opt('warmup', 1));
const inFlight = Number(opt('conns', 50)) * Number(opt('depth', 1));
const size = Number(opt('size', 64));
const serverPid = opt('server-pid', null);
const label = opt('label', 'bullmq');
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const name = 'bench';
const payload = 'x'.repeat(size);

const cpuTicks = (pid) => {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/.*\) /, '').split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
};
const hostTicks = () => {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { busy: f.reduce((a, b) => a + b, 0) - idle, all: f.reduce((a, b) => a + b, 0) };
};
const TCK = 100; // USER_HZ on Linux

const queue = new Queue(name, { connection });
await queue.obliterate({ force: true }).catch(() => {});
let added = 0;
let completed = 0;
let errors = 0;
let measuring = false;
let ops = 0;
const latencies = [];
let wake = null;
const worker = new Worker(name, async () => undefined, {
  connection,
  concurrency: inFlight,
  removeOnComplete: { count: 0 },
  removeOnFail: { count: 1000 },
});
worker.on('completed', (job) => {
  completed++;
  if (measuring) {
    ops++;
    latencies.push(performance.now() - job.data.t);
  }
  if (wake !== null) {
    const w = wake;
    wake = null;
    w();
  }
});
worker.on('failed', () => errors++);
worker.on('error', () => errors++);

let running = true;
async function slot() {
  while (running) {
    while (added - completed >= inFlight && running) await new Promise((resolve) => (wake = resolve));
    added++;
    await queue.add('j', { t: performance.now(), p: payload }, { removeOnComplete: true }).catch(() => errors++);
  }
}
const slots = Array.from({ length: Math.min(inFlight, 64) }, slot);

await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
const t0 = performance.now();
const s0 = serverPid ? cpuTicks(serverPid) : 0;
const h0 = hostTicks();
const c0 = process.cpuUsage();
measuring = true;
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
const secs = (performance.now() - t0) / 1000;
const srvCpu = serverPid ? (cpuTicks(serverPid) - s0) / TCK / secs : 0;
const h1 = hostTicks();
const c1 = process.cpuUsage(c0);
running = false;
if (wake !== null) wake();
await Promise.race([Promise.all(slots), new Promise((resolve) => setTimeout(resolve, 5000))]);
await worker.close(true);
await queue.close();

latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] * 1000 : 0;
const r = {
  label,
  proto: 'bullmq',
  conns: Number(opt('conns', 50)),
  depth: Number(opt('depth', 1)),
  size,
  secs,
  ops,
  ops_per_s: ops / secs,
  p50_us: pct(50),
  p99_us: pct(99),
  errors,
  empty: 0,
  srv_cpu_pct: srvCpu * 100,
  ops_per_srv_cpu_s: srvCpu > 0 ? ops / secs / srvCpu : null,
  cli_cpu_s: (c1.user + c1.system) / 1e6,
  cpu_window_s: secs,
  host_cpu_pct: (100 * os.availableParallelism() * (h1.busy - h0.busy)) / Math.max(1, h1.all - h0.all),
  steal_pct: 0,
  max_stall_ms: 0,
};
console.log(
  `label=${label} proto=bullmq in_flight=${inFlight} ops/s=${r.ops_per_s.toFixed(0)} p99_us=${r.p99_us.toFixed(1)} errors=${errors} srv_cpu=${r.srv_cpu_pct.toFixed(0)}%`,
);
if (args.includes('--json')) console.log(JSON.stringify(r));
process.exit(0);
