// bench/turn-probe.mjs — what a Node server's event-loop turns are made of, under load.
//
// Loaded into the server with `--import` (through NODE_OPTIONS, so run.sh's command lines stay as
// they are), it records every async callback's start, length and kind (async_hooks: TCPWRAP is a
// socket read, Immediate:flushNow the journal's once-per-turn write, which ends rq's turn), every GC
// pause, and per turn the main thread's CPU time and run-queue wait (/proc/self/task/<pid>/schedstat:
// time it was runnable but another thread had the CPU). On SIGTERM it writes the analysis of the
// turns that started after TURN_PROBE_FROM ms (default 1800: qbench's warm-up is over) to
// TURN_PROBE_OUT. The hooks cost CPU (about 10 %): read the shares, not the throughput.
//
//   TURN_PROBE_OUT=/tmp/turns.txt NODE_OPTIONS="--import $PWD/bench/turn-probe.mjs" \
//     bench/run.sh --only rq-default --depth 16 --reps 1 --wait-idle 0
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const OUT = process.env.TURN_PROBE_OUT;
const FROM = Number(process.env.TURN_PROBE_FROM ?? 1800);
/** The callback that ends a turn: rq's journal write (a server without it: the first Immediate). */
const TURN_END = process.env.TURN_PROBE_END ?? 'Immediate:flushNow';

if (OUT !== undefined) start();

function start() {
  const max = 4_000_000;
  const at = new Float64Array(max);
  const took = new Float32Array(max);
  const kindOf = new Uint16Array(max);
  let n = 0;
  const kinds = [];
  const kindIds = new Map();
  const kindId = (name) => {
    let id = kindIds.get(name);
    if (id === undefined) kindIds.set(name, (id = kinds.push(name) - 1));
    return id;
  };
  const turnEnd = kindId(TURN_END);
  const gcs = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
  }).observe({ entryTypes: ['gc'] });
  const sched = fs.openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  const schedBuf = Buffer.alloc(128);
  const turns = [];
  const names = new Map();
  const starts = [];
  createHook({
    init(id, type, _trigger, resource) {
      let name = type;
      if (type === 'Immediate') name = `Immediate:${resource?._onImmediate?.name || '?'}`;
      names.set(id, kindId(name));
    },
    before() {
      starts.push(performance.now());
    },
    after(id) {
      const t = starts.pop();
      if (t === undefined || starts.length > 0 || n >= max) return;
      const now = performance.now();
      at[n] = t;
      took[n] = now - t;
      kindOf[n] = names.get(id) ?? kindId('?');
      if (kindOf[n] === turnEnd) {
        const k = fs.readSync(sched, schedBuf, 0, 128, 0);
        const [run, wait] = schedBuf.toString('latin1', 0, k).split(' ').map(Number);
        turns.push([now, run / 1e6, wait / 1e6, n]);
      }
      n++;
    },
    destroy(id) {
      names.delete(id);
    },
  }).enable();

  process.on('SIGTERM', function dump() {
    const lines = analyse({ at, took, kindOf, kinds, turns, gcs, turnEnd });
    fs.writeFileSync(OUT, lines.join('\n') + '\n');
    if (process.listenerCount('SIGTERM') === 1) process.exit(0);
  });
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function analyse({ took, kindOf, kinds, turns, gcs, turnEnd }) {
  const rows = [];
  for (let i = 1; i < turns.length; i++) {
    const [end, run, wait, last] = turns[i];
    const [prevEnd, prevRun, prevWait, prevLast] = turns[i - 1];
    if (prevEnd < FROM) continue;
    const parts = {};
    let reads = 0;
    for (let j = prevLast + 1; j <= last; j++) {
      const k = kinds[kindOf[j]];
      parts[k] = (parts[k] ?? 0) + took[j];
      if (k === 'TCPWRAP') reads++;
    }
    let gc = 0;
    for (const [t, d] of gcs) if (t >= prevEnd && t < end) gc += d;
    rows.push({ at: prevEnd, ms: end - prevEnd, cpu: run - prevRun, wait: wait - prevWait, reads, gc, parts });
  }
  const f = (x) => x.toFixed(2);
  const ms = rows.map((r) => r.ms);
  const out = [
    `turns ${rows.length} (ended by ${kinds[turnEnd]}); length ms p50=${f(pct(ms, 50))} p90=${f(pct(ms, 90))} p99=${f(pct(ms, 99))} p99.9=${f(pct(ms, 99.9))} max=${f(Math.max(0, ...ms))}`,
    `socket reads per turn p50=${pct(
      rows.map((r) => r.reads),
      50,
    )} p99=${pct(
      rows.map((r) => r.reads),
      99,
    )}`,
  ];
  for (const [label, over] of [
    ['all turns', 0],
    ['turns over 2 ms', 2],
    ['turns over 4 ms', 4],
  ]) {
    const sel = rows.filter((r) => r.ms > over);
    const sum = (key) => sel.reduce((a, r) => a + r[key], 0);
    const wall = sum('ms');
    const parts = {};
    for (const r of sel) for (const [k, v] of Object.entries(r.parts)) parts[k] = (parts[k] ?? 0) + v;
    const top = Object.entries(parts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `${k} ${Math.round((100 * v) / wall)}%`);
    out.push(
      `${label}: ${sel.length}, ${Math.round(wall)} ms; main thread on CPU ${Math.round((100 * sum('cpu')) / wall)}%, ` +
        `waiting for a CPU ${Math.round((100 * sum('wait')) / wall)}%, GC pauses ${Math.round((100 * sum('gc')) / wall)}%; ` +
        `callbacks: ${top.join(', ')}`,
    );
  }
  const gcIn = gcs.filter(([t]) => t >= FROM);
  out.push(
    `GC pauses ${gcIn.length}, ${f(gcIn.reduce((a, [, d]) => a + d, 0))} ms, over 2 ms: ${gcIn
      .filter(([, d]) => d > 2)
      .map(([, d]) => f(d))
      .join(' ')}`,
  );
  for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, 10)) {
    const parts = Object.entries(r.parts)
      .filter(([, v]) => v >= 0.1)
      .map(([k, v]) => `${k} ${f(v)}`);
    out.push(`longest: at ${Math.round(r.at)} ms, ${f(r.ms)} ms, ${r.reads} reads, GC ${f(r.gc)}: ${parts.join(', ')}`);
  }
  return out;
}
