#!/usr/bin/env node
// The compaction bound: push and consume GB gigabytes (default 10) through a queue that always holds
// about 10 MB, against a spawned `bin/rq serve` (default fsync), and sample the data directory's size
// every 100 ms. Prints the largest and final size next to the bound (64 MB + 2 x live bytes), and the
// server's compaction figures (longest event-loop pause). Needs `npm run build` and a C compiler (qbench).
// Usage: node bench/journal-churn.mjs [GB] [item-bytes] [extra rq serve args...]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const gb = Number(process.argv[2] ?? 10);
const size = Number(process.argv[3] ?? 4096);
const extra = process.argv.slice(4);
const LIVE = 10 * 1024 * 1024;
const qbench = path.join(root, '.bench-build', 'qbench');
if (!fs.existsSync(qbench)) {
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
const sampler = setInterval(() => (maxBytes = Math.max(maxBytes, dirBytes())), 100);

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

const target = gb * 1024 ** 3;
let pushed = 0,
  first = true;
const started = Date.now();
while (pushed < target) {
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
  first = false;
  const out = execFileSync(qbench, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const json = JSON.parse(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
  pushed += json.ops * size;
  const s = await stats();
  process.stderr.write(
    `${(pushed / 1024 ** 3).toFixed(2)} GB pushed, dir ${(dirBytes() / 1e6).toFixed(1)} MB (max ${(maxBytes / 1e6).toFixed(1)}), live ${(Number(s.bytes) / 1e6).toFixed(1)} MB, compactions ${s.journal_compactions}, max pause ${s.journal_compaction_max_pause_ms} ms\n`,
  );
}
clearInterval(sampler);
const s = await stats();
const bound = 64 * 1024 * 1024 + 2 * Number(s.bytes);
console.log(
  `pushed ${(pushed / 1024 ** 3).toFixed(2)} GB of ${size}-byte items in ${Math.round((Date.now() - started) / 1000)} s through a queue holding ${(Number(s.bytes) / 1e6).toFixed(1)} MB`,
);
console.log(
  `journal dir: max ${(maxBytes / 1e6).toFixed(1)} MB, final ${(dirBytes() / 1e6).toFixed(1)} MB; bound 64 MiB + 2 x live = ${(bound / 1e6).toFixed(1)} MB: ${maxBytes < bound ? 'within' : 'EXCEEDED'}`,
);
console.log(
  `compactions ${s.journal_compactions}, last took ${s.journal_last_compaction_ms} ms, longest event-loop pause ${s.journal_compaction_max_pause_ms} ms, fsync ${s.journal_fsync}`,
);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
fs.rmSync(dir, { recursive: true, force: true });
