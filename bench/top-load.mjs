#!/usr/bin/env node
// Load for bench/top-cpu.sh: fills QUEUES queues (default 100) and keeps them moving, so that every
// frame of `rq top` has new depths and rates to draw. Speaks the text protocol; runs until killed.
// Usage: node bench/top-load.mjs <port> [queues] [ops-per-second]
import net from 'node:net';

const port = Number(process.argv[2]);
const queues = Number(process.argv[3] ?? 100);
const rate = Number(process.argv[4] ?? 2000);
if (!port) {
  console.error('usage: top-load.mjs <port> [queues] [ops-per-second]');
  process.exit(2);
}

const socket = net.connect(port, '127.0.0.1');
socket.on('data', () => {});
socket.on('error', (e) => {
  console.error(`top-load: ${e.message}`);
  process.exit(1);
});
const name = (i) => `bench-queue-${String(i).padStart(3, '0')}`;
socket.on('connect', () => {
  let fill = '';
  for (let i = 0; i < queues; i++)
    for (let k = 0; k < 50; k++) fill += `set ${name(i)} 0 0 8\r\nfill-${String(k).padStart(3, '0')}\r\n`;
  socket.write(fill);
  // Every 100 ms: rate/10 operations over the queues in turn, pushes and pop-and-acks
  // (get q/close/open); the share of pushes swings over a minute, so depths rise and fall.
  let n = 0;
  setInterval(() => {
    const pushShare = 0.5 + 0.3 * Math.sin((Date.now() / 60_000) * 2 * Math.PI);
    let batch = '';
    for (let k = 0; k < rate / 10; k++, n++) {
      const q = name(n % queues);
      batch += Math.random() < pushShare ? `set ${q} 0 0 5\r\nwork!\r\n` : `get ${q}/close/open\r\n`;
    }
    socket.write(batch);
  }, 100);
});
