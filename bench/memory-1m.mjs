// Server memory with 1 million queued 64-byte items: starts `rq serve` (RQ_ARGS, e.g.
// `--no-journal`; node flags in NODE_ARGS), pipelines 1M `set … noreply`, reads rss_bytes from
// `stats`; then stops the server and starts it again on the same data dir (with a journal the items
// come back) and reads it again. Bytes per item = (RSS − RSS of an empty server) / items.
// Usage: npm run build && node bench/memory-1m.mjs [items] [size]
// PROBE=1 also has the server print its heap figures (bench/mem-probe.mjs) at PROBE_AT ms after
// each measurement (default 500,10000): what holds the memory, and what a GC would give back.
// LATER=5000,20000 reads rss_bytes again that many ms after each measurement (no GC forced): what an
// idle server gives back on its own.
// With a journal each line also gives journal_bytes (its files in the data directory) as journal=.
// SMAPS=1 adds where the RSS is, from /proc/<pid>/smaps (Linux): glibc's main heap ([heap]: what it
// keeps of freed memory shows here), mappings of 32 MiB or more (block pool slabs, mapped-memory.ts),
// other anonymous memory (V8's heap, glibc's thread arenas, smaller mappings) and files (the node binary).
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

const items = Number(process.argv[2] ?? 1_000_000);
const size = Number(process.argv[3] ?? 64);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-mem-'));
const extra = process.env.RQ_ARGS ? process.env.RQ_ARGS.split(' ') : [];
const nodeArgs = process.env.NODE_ARGS ? process.env.NODE_ARGS.split(' ') : [];
if (process.env.PROBE) nodeArgs.push('--expose-gc', '--import', new URL('mem-probe.mjs', import.meta.url).href);

async function start() {
  const server = spawn(process.execPath, [...nodeArgs, 'bin/rq', 'serve', '--port', '0', '--data-dir', dataDir, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve) => {
    server.stdout.on('data', (d) => {
      const m = /:(\d+) /.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
  });
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  return { server, sock };
}

async function stats(sock) {
  let text = '';
  sock.write('stats\r\n');
  await new Promise((resolve) => {
    const on = (d) => {
      text += d;
      if (text.includes('END\r\n')) {
        sock.off('data', on);
        resolve();
      }
    };
    sock.on('data', on);
  });
  const stat = (name) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(text)?.[1] ?? 0);
  return {
    items: stat('queue_q_items'),
    rss: stat('rss_bytes'),
    compactions: stat('journal_compactions'),
    journalBytes: stat('journal_bytes'),
  };
}

async function stop({ server, sock }) {
  sock.destroy();
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}

const probe = async ({ server }) => {
  if (!process.env.PROBE) return;
  for (const wait of (process.env.PROBE_AT ?? '500,10000').split(',').map(Number)) {
    await new Promise((r) => setTimeout(r, wait));
    server.kill('SIGUSR2');
  }
  await new Promise((r) => setTimeout(r, 500));
};
/** RSS by kind of mapping, in MB, from /proc/<pid>/smaps (empty where there is none). */
function smaps(pid) {
  if (!process.env.SMAPS) return '';
  const kinds = { heap: 0, mapped32: 0, anon: 0, files: 0 };
  let kind = 'anon';
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const size = parseInt(m[2], 16) - parseInt(m[1], 16);
      kind = m[3] === '[heap]' ? 'heap' : m[3].startsWith('/') ? 'files' : size >= 32 * 1024 * 1024 ? 'mapped32' : 'anon';
    } else if (line.startsWith('Rss:')) kinds[kind] += Number(line.split(/\s+/)[1]) * 1024;
  }
  return ` [smaps MB: ${Object.entries(kinds)
    .map(([k, v]) => `${k}=${(v / 1e6).toFixed(1)}`)
    .join(' ')}]`;
}

const report = (when, s, empty, pid) =>
  console.log(
    `${when}: items=${s.items} size=${size} rss=${(s.rss / 1e6).toFixed(1)} MB` +
      (s.items > 0
        ? ` (${((s.rss - empty) / s.items).toFixed(0)} B/item above an empty server's ${(empty / 1e6).toFixed(1)} MB)`
        : '') +
      ` compactions=${s.compactions}` +
      (s.journalBytes > 0 ? ` journal=${(s.journalBytes / 1e6).toFixed(1)} MB` : '') +
      smaps(pid),
  );

const later = async (s, when, empty) => {
  const t0 = Date.now();
  for (const at of (process.env.LATER ?? '').split(',').filter(Boolean).map(Number)) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + at - Date.now())));
    report(`${when}, ${at} ms later`, await stats(s.sock), empty, s.server.pid);
  }
};

let s = await start();
const empty = (await stats(s.sock)).rss;
const payload = 'x'.repeat(size);
const chunk = `set q 0 0 ${size} noreply\r\n${payload}\r\n`.repeat(1000);
for (let i = 0; i < items / 1000; i++) {
  if (!s.sock.write(chunk)) await new Promise((r) => s.sock.once('drain', r));
}
report('after the push', await stats(s.sock), empty, s.server.pid);
await probe(s);
await later(s, 'after the push', empty);
await stop(s);
s = await start();
report('after a restart', await stats(s.sock), empty, s.server.pid);
await probe(s);
await later(s, 'after a restart', empty);
await stop(s);
fs.rmSync(dataDir, { recursive: true, force: true });
