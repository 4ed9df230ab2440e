#!/usr/bin/env node
// bench/node-floor.mjs — the "Node floor": the least a Node server doing rq's job over the memcache
// text protocol can cost, for bench/run.sh (configuration node-floor). Queues in memory, `set q`
// enqueues, `get q` reserves the head for the connection, `delete q` acknowledges the connection's
// oldest reservation; a closed connection's reservations go back. No journal, no options, no
// limits, no errors beyond ERROR: a reference to read rq against, never a server to use.
//
// rq's I/O pattern: reads into one reused buffer (net.Socket's onread fields, as
// src/server/shared-reads.ts) and each connection's replies written once per event-loop turn.
//
// usage: node bench/node-floor.mjs --port N
import net from 'node:net';

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const queues = new Map(); // name -> Buffer[] (a plain array; the floor, not a fair engine)
const shared = Buffer.allocUnsafe(64 * 1024);
const due = new Set();
let armed = false;

function flushAll() {
  armed = false;
  for (const c of due) c.flush();
  due.clear();
}

class Conn {
  constructor(socket) {
    this.socket = socket;
    this.rest = null; // bytes of an incomplete request, copied
    this.out = [];
    this.reserved = []; // [queue, data] oldest first
  }

  reply(b) {
    this.out.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
    due.add(this);
    if (!armed) {
      armed = true;
      setImmediate(flushAll);
    }
  }

  flush() {
    if (this.out.length === 0) return;
    this.socket.write(this.out.length === 1 ? this.out[0] : Buffer.concat(this.out));
    this.out = [];
  }

  read(buf) {
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, buf]);
      this.rest = null;
    }
    let pos = 0;
    for (;;) {
      const eol = buf.indexOf(10, pos);
      if (eol < 0) break;
      const line = buf.latin1Slice(pos, eol - 1);
      const words = line.split(' ');
      if (words[0] === 'set') {
        const n = Number(words[4]);
        if (eol + 1 + n + 2 > buf.length) break;
        const q = queues.get(words[1]) ?? queues.set(words[1], []).get(words[1]);
        q.push(Buffer.from(buf.subarray(eol + 1, eol + 1 + n)));
        this.reply('STORED\r\n');
        pos = eol + 1 + n + 2;
        continue;
      }
      pos = eol + 1;
      if (words[0] === 'get') {
        const item = queues.get(words[1])?.shift();
        if (item === undefined) this.reply('END\r\n');
        else {
          this.reserved.push([words[1], item]);
          this.reply(`VALUE ${words[1]} 0 ${item.length}\r\n`);
          this.reply(item);
          this.reply('\r\nEND\r\n');
        }
      } else if (words[0] === 'delete') {
        const i = this.reserved.findIndex(([q]) => q === words[1]);
        if (i >= 0) this.reserved.splice(i, 1);
        this.reply(i >= 0 ? 'DELETED\r\n' : 'NOT_FOUND\r\n');
      } else this.reply('ERROR\r\n');
    }
    if (pos < buf.length) this.rest = Buffer.from(buf.subarray(pos));
  }

  close() {
    for (const [name, item] of this.reserved) queues.get(name).unshift(item);
    this.reserved = [];
  }
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const conn = new Conn(socket);
  const sym = Object.fromEntries(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]));
  if (sym.kBuffer && sym.kBufferCb && typeof socket._handle?.useUserBuffer === 'function') {
    socket[sym.kBuffer] = shared;
    socket[sym.kBufferCb] = (n, b) => conn.read(b.subarray(0, n));
    socket._handle.useUserBuffer(shared);
  } else socket.on('data', (b) => conn.read(b));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => conn.close());
});
server.listen(port, '127.0.0.1');
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
