// The server time of one /metrics scrape: a real RqServer in this process with many queues (ready
// items, reservations, waiters), its figures read and rendered as rq serve --metrics does, in both
// formats, with and without --metrics-max-queues. Prints a markdown table: median and slowest wall
// time of a scrape and its CPU time. A scrape runs on the event loop in one piece (its awaits are
// microtasks), so its wall time is how long the queue server stops serving for it.
//
//   npm run build && node bench/metrics-scrape.mjs [scrapes per case, default 40]

import { Registry } from 'prom-client';
import { UNLIMITED } from '../dist/queue/limits.js';
import { Exposition } from '../dist/server/metrics/exposition.js';
import { serverSource } from '../dist/server/metrics/figures.js';
import { RqServer } from '../dist/server/server.js';

const SCRAPES = Number(process.argv[2] ?? 40);
const WARMUP = 5;
const PAYLOAD = Buffer.from('x'.repeat(64));

/** A server with `queues` queues: queue i holds i % 20 ready items; every 10th has a reservation, every 50th empty one a waiter. */
function serverWith(queues) {
  const limits = { ...UNLIMITED, maxItemSize: 1 << 20, maxOpen: 100, maxConnections: Infinity };
  const server = new RqServer({ host: '127.0.0.1', port: 0, limits });
  const engine = server.engine;
  const holder = engine.newHolder();
  const now = Date.now();
  for (let i = 0; i < queues; i++) {
    const name = `queue-${String(i).padStart(5, '0')}`;
    const depth = i % 20;
    if (depth === 0 && i % 50 === 0) {
      engine.wait(holder, name, now, 3_600_000, false, 0, () => {});
      continue;
    }
    for (let j = 0; j < Math.max(1, depth); j++) engine.enqueue(name, 0, 0, PAYLOAD, now - j);
    if (i % 10 === 0) engine.reserve(holder, name, now);
  }
  return server;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(server, maxQueues, contentType) {
  const exposition = new Exposition({ journal: false, maxQueues });
  const source = serverSource(server, null, 'bench');
  const wall = [];
  const cpu = [];
  let bytes = 0;
  for (let i = 0; i < WARMUP + SCRAPES; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const text = await exposition.render(await source.figures(Date.now()), contentType);
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (i < WARMUP) continue;
    wall.push(t);
    cpu.push((c.user + c.system) / 1000);
    bytes = text.length;
  }
  return { wall: median(wall), max: Math.max(...wall), cpu: median(cpu), bytes };
}

const cases = [
  { queues: 10, maxQueues: 1000 },
  { queues: 1000, maxQueues: 1000 },
  { queues: 10_000, maxQueues: 1000 },
  { queues: 10_000, maxQueues: Infinity },
];
console.log(`${SCRAPES} scrapes per case after ${WARMUP} to warm up; Node ${process.version}`);
console.log();
console.log('| queues | --metrics-max-queues | format | series | bytes | wall ms (median) | wall ms (max) | CPU ms (median) |');
console.log('|--:|--:|---|--:|--:|--:|--:|--:|');
for (const { queues, maxQueues } of cases) {
  const server = serverWith(queues);
  for (const [format, contentType] of [
    ['text', Registry.PROMETHEUS_CONTENT_TYPE],
    ['OpenMetrics', Registry.OPENMETRICS_CONTENT_TYPE],
  ]) {
    const r = await measure(server, maxQueues, contentType);
    const series = 12 * Math.min(queues, maxQueues);
    const cap = maxQueues === Infinity ? '0 (all)' : maxQueues.toLocaleString('en');
    console.log(
      `| ${queues.toLocaleString('en')} | ${cap} | ${format} | ${series.toLocaleString('en')} + ~60 | ${r.bytes.toLocaleString('en')} | ${r.wall.toFixed(1)} | ${r.max.toFixed(1)} | ${r.cpu.toFixed(1)} |`,
    );
  }
  await server.close();
}
process.exit(0);
