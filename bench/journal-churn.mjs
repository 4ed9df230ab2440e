#!/usr/bin/env node
// The compaction bound: push and consume GB gigabytes (default 10) through a queue that always holds
// about 10 MB, against a spawned `bin/rq serve` (default fsync), and sample the data directory's size
// every 100 ms. Prints the largest and final size next to the bound (64 MiB + 2 x live bytes), and the
// server's compaction figures (longest event-loop pause). Needs `npm run build` and a C compiler (qbench).
// With --failing, the load is work that fails (failing-load.mjs: 1 % poison items that end in
// `<queue>.dead` under --max-deliveries 3, 10 % items set with delay=), driven from Node instead of
// qbench; the live bytes then grow (dead items stay), so the bound is checked at each sample against
// the live bytes of that moment.
// CHURN_LIVE_MB sets the live data prefilled (default 10).
// Usage: node bench/journal-churn.mjs [--failing] [GB] [item-bytes] [extra rq serve args...]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailingLoad } from './failing-load.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const failing = process.argv[2] === '--failing';
const args = process.argv.slice(failing ? 3 : 2);
const gb = Number(args[0] ?? 10);
const size = Number(args[1] ?? 4096);
const extra = args.slice(2);
if (failing && !extra.includes('--max-deliveries')) extra.push('--max-deliveries', '3');
const LIVE = Number(process.env.CHURN_LIVE_MB ?? 10) * 1024 * 1024;
const BOUND_BASE = 64 * 1024 * 1024;
const qbench = path.join(root, '.bench-build', 'qbench');
if (!failing && !fs.existsSync(qbench)) {
  fs.mkdirSync(path.dirname(qbench), { recursive: true });
  execFileSync('cc', ['-O2', '-o', qbench, path.join(root, '../shared/bench/qbench.c'), '-lpthread']);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-churn-'));
const server = spawn(process.execPath, [path.join(root, 'bin/rq'), 'serve', '--port', '0', '--data-dir', dir, ...extra], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve) =>
  server.stdout.on('data', (d) => {
    const m = /listening on \S+:(\d+)/.exec(String(d));
    if (m) resolve(Number(m[1]));
  }),
);
const dirBytes = () =>
  fs.readdirSync(dir).reduce((s, f) => {
    try {
      return s + fs.statSync(path.join(dir, f)).size;
    } catch {
      return s;
    }
  }, 0);
let maxBytes = 0;
// The live bytes last read from stats, and the sample closest to the bound it sets (64 MiB + 2 x live).
let live = 0;
let worst = { dir: 0, bound: Infinity, at: 0 };
const sampler = setInterval(() => {
  const dir = dirBytes();
  maxBytes = Math.max(maxBytes, dir);
  const bound = BOUND_BASE + 2 * live;
  if (live > 0 && dir / bound > worst.dir / worst.bound) worst = { dir, bound, at: Date.now() };
}, 100);

const stats = () =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('stats\r\n'));
    let out = '';
    s.on('data', (d) => {
      out += d;
      if (out.endsWith('END\r\n')) {
        s.destroy();
        resolve(
          Object.fromEntries(
            out
              .split('\r\n')
              .filter((l) => l.startsWith('STAT '))
              .map((l) => l.slice(5).split(' ')),
          ),
        );
      }
    });
  });

const liveSampler = setInterval(async () => {
  live = Number((await stats()).bytes);
}, 500);

/**
 * Ten seconds of qbench cycles (enqueue, reserve, ack); resolves with the bytes pushed. Run as a
 * child process waited for without blocking, so that the samplers above keep sampling meanwhile.
 */
async function qbenchRound(first) {
  const args = [
    '--proto',
    'mcq',
    '--port',
    String(port),
    '--size',
    String(size),
    '--conns',
    '16',
    '--depth',
    '8',
    '--seconds',
    '10',
    '--warmup',
    '0',
    '--json',
  ];
  if (first) args.push('--prefill', String(Math.round(LIVE / size)));
  const out = await new Promise((resolve, reject) => {
    const child = spawn(qbench, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`qbench exited with ${code}`))));
  });
  const json = JSON.parse(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
  return json.ops * size;
}

const QUEUE = 'churn';
const load = failing ? await FailingLoad.open(port, QUEUE, size, 16) : null;
if (load !== null) await load.prefill(Math.round(LIVE / size));
const target = gb * 1024 ** 3;
let pushed = 0,
  first = true;
const started = Date.now();
while (pushed < target) {
  if (load === null) pushed += await qbenchRound(first);
  else {
    await load.run(10);
    pushed = load.counts.pushedBytes;
  }
  first = false;
  const s = await stats();
  const failingFigures = load === null ? '' : `, delayed ${s[`queue_${QUEUE}_delayed`]}, dead ${s[`queue_${QUEUE}_dead`]}`;
  process.stderr.write(
    `${(pushed / 1024 ** 3).toFixed(2)} GB pushed, dir ${(dirBytes() / 1e6).toFixed(1)} MB (max ${(maxBytes / 1e6).toFixed(1)}), live ${(Number(s.bytes) / 1e6).toFixed(1)} MB${failingFigures}, compactions ${s.journal_compactions}, max pause ${s.journal_compaction_max_pause_ms} ms\n`,
  );
}
clearInterval(sampler);
clearInterval(liveSampler);
load?.close();
const s = await stats();
const bound = BOUND_BASE + 2 * Number(s.bytes);
const mb = (bytes) => (bytes / 1e6).toFixed(1);
console.log(
  `pushed ${(pushed / 1024 ** 3).toFixed(2)} GB of ${size}-byte items in ${Math.round((Date.now() - started) / 1000)} s through a queue holding ${mb(Number(s.bytes))} MB`,
);
if (load !== null) {
  const c = load.counts;
  console.log(
    `failing work: ${c.cycles} items set, ${c.poison} poison, ${c.delayed} delayed; ${c.acked} acked, ${c.released} poison releases; at the end ${s[`queue_${QUEUE}_dead`]} dead-lettered (${s[`queue_${QUEUE}.dead_items`] ?? 0} in ${QUEUE}.dead), ${s[`queue_${QUEUE}_delayed`]} delayed`,
  );
}
console.log(
  `journal dir: max ${mb(maxBytes)} MB, final ${mb(dirBytes())} MB; bound 64 MiB + 2 x live = ${mb(bound)} MB at the end: ${maxBytes < bound ? 'within' : 'EXCEEDED'}`,
);
console.log(
  `closest to the bound of its moment: ${mb(worst.dir)} MB against ${mb(worst.bound)} MB (${((100 * worst.dir) / worst.bound).toFixed(0)} %) at ${Math.round((worst.at - started) / 1000)} s: ${worst.dir < worst.bound ? 'within' : 'EXCEEDED'}`,
);
console.log(
  `compactions ${s.journal_compactions}, last took ${s.journal_last_compaction_ms} ms, longest event-loop pause ${s.journal_compaction_max_pause_ms} ms, fsync ${s.journal_fsync}`,
);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
fs.rmSync(dir, { recursive: true, force: true });
