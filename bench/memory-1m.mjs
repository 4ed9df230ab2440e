// Server memory with 1 million queued 64-byte items: starts `rq serve --no-journal` if supported
// (else plain), pipelines 1M `set … noreply`, then reads rss_bytes from `stats`.
// Usage: npm run build && node bench/memory-1m.mjs [items] [size]
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

const items = Number(process.argv[2] ?? 1_000_000);
const size = Number(process.argv[3] ?? 64);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-mem-'));
const extra = process.env.RQ_ARGS ? process.env.RQ_ARGS.split(' ') : [];
const server = spawn(process.execPath, ['bin/rq', 'serve', '--port', '0', '--data-dir', dataDir, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => {
  server.stdout.on('data', (d) => { const m = /:(\d+) /.exec(String(d)); if (m) resolve(Number(m[1])); });
});
const sock = net.connect(port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
const payload = 'x'.repeat(size);
const chunk = `set q 0 0 ${size} noreply\r\n${payload}\r\n`.repeat(1000);
for (let i = 0; i < items / 1000; i++) {
  if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
}
let text = '';
sock.write('stats\r\n');
await new Promise((resolve) => sock.on('data', (d) => { text += d; if (text.includes('END\r\n')) resolve(); }));
const stat = (name) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(text)[1]);
console.log(`items=${stat('queue_q_items')} size=${size} rss=${(stat('rss_bytes') / 1e6).toFixed(1)} MB`);
sock.destroy();
server.kill('SIGTERM');
fs.rmSync(dataDir, { recursive: true, force: true });
