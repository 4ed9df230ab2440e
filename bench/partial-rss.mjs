#!/usr/bin/env node
// The memory strangers can make rq hold with sets whose data is still arriving (issue 9 §11):
// starts `rq serve --auth-file` (memory only), opens N connections that never log in, each sending
// `set q 0 0 1048576` and 1,000,000 bytes of its data, and prints the server's RSS before, with
// them connected, and after they close. Not a test: it measures.
//
//   node bench/partial-rss.mjs [connections=600] [rq bin=bin/rq]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const connections = Number(process.argv[2] ?? 600);
const bin = process.argv[3] ?? new URL('../bin/rq', import.meta.url).pathname;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rq-partial-rss-'));
const users = path.join(dir, 'users');
fs.writeFileSync(users, 'alice:open sesame\n', { mode: 0o600 });
const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const child = spawn(
  process.execPath,
  [bin, 'serve', '--port', '0', '--no-journal', '--auth-file', users, '--log-level', 'error'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const rssMiB = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024);
const port = await new Promise((resolve) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /listening on \S+:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
});
await settle(500);
const before = rssMiB();
const sockets = [];
const data = Buffer.alloc(1_000_000, 0x61);
for (let i = 0; i < connections; i++) {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  await new Promise((resolve) => s.once('connect', resolve));
  s.write('set q 0 0 1048576\r\n');
  await new Promise((resolve) => s.write(data, resolve));
  sockets.push(s);
}
await settle(1000); // let the server read what was sent
const connected = rssMiB();
for (const s of sockets) s.destroy();
await settle(2000);
const closed = rssMiB();
child.kill('SIGKILL');
fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ connections, rss_mib_before: before, rss_mib_connected: connected, rss_mib_after_close: closed }));
