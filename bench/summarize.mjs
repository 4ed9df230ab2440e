// bench/summarize.mjs — turn run.sh's results.jsonl into a markdown table.
//
// usage: node summarize.mjs RESULTS.jsonl REF "config config ..."
// Each input line: {"config","depth","rep","rc","r": qbench --json object or null}.
// One row per (configuration, depth): medians over the repetitions, and the
// ratio of the median to REF's median at the same depth (same run only).
import { readFileSync } from 'node:fs';

const [file, refArg, order] = process.argv.slice(2);
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const configs = order.split(' ');

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, digits = 0) =>
  x == null ? 'n/a' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (x, ref) => (x == null || !ref ? 'n/a' : `${(x / ref).toFixed(2)}×`);

// group runs by configuration and depth
const groups = new Map();
for (const l of lines) {
  const key = `${l.config}@${l.depth}`;
  if (!groups.has(key)) groups.set(key, { config: l.config, depth: l.depth, runs: [] });
  groups.get(key).runs.push(l);
}
const depths = [...new Set(lines.map((l) => l.depth))].sort((a, b) => a - b);

const stats = (g) => {
  const ok = g.runs.filter((l) => l.r);
  const col = (f) => median(ok.map((l) => l.r[f]));
  const opsList = ok.map((l) => l.r.ops_per_s);
  const notes = [];
  const failed = g.runs.length - ok.length;
  if (failed) notes.push(`${failed} run(s) failed`);
  const errors = ok.reduce((s, l) => s + l.r.errors, 0);
  if (errors) notes.push(`errors=${errors}`);
  const empty = ok.reduce((s, l) => s + l.r.empty, 0);
  if (empty) notes.push(`empty=${empty}`);
  // A run with hypervisor steal or a client stall is not trustworthy (qbench README).
  if (ok.some((l) => l.r.steal_pct > 5)) notes.push('steal>5%');
  if (ok.some((l) => l.r.max_stall_ms > 50)) notes.push('stall>50ms');
  // CPU used by neither server nor client (other processes; also some
  // unattributed loopback softirq work, ~10-20 % here): high = a busy machine.
  const other = median(ok.map((l) => l.r.host_cpu_pct - l.r.srv_cpu_pct - (100 * l.r.cli_cpu_s) / l.r.cpu_window_s));
  if (other > 30) notes.push(`other CPU ${other.toFixed(0)}%`);
  return {
    n: ok.length,
    ops: col('ops_per_s'),
    spread: opsList.length > 1 ? (Math.max(...opsList) - Math.min(...opsList)) / median(opsList) : null,
    p50: col('p50_us'),
    p99: col('p99_us'),
    srv: col('srv_cpu_pct'),
    perCpu: col('ops_per_srv_cpu_s'),
    // GC share of the server's CPU (Node servers, from --trace-gc), and the machine's load average
    // (1 min) when each run ended: this machine is shared.
    gc: median(ok.map((l) => l.gc ?? null)),
    loads: ok.map((l) => l.load).filter((x) => x != null),
    notes,
  };
};

// the reference: REF if it produced results, else the first configuration that did
if (!lines.some((l) => l.r)) {
  console.log('(no results)');
  process.exit(0);
}
const has = (c) => lines.some((l) => l.config === c && l.r);
const ref = has(refArg) ? refArg : configs.find(has);
if (ref !== refArg) console.log(`(reference ${refArg} has no results; ratios refer to ${ref ?? 'nothing'})\n`);

console.log(
  `| config | depth | runs | ops/s | ×${ref} | spread | p50 µs | p99 µs | srv CPU | ops/srv-CPU-s | ×${ref} | GC | load | notes |`,
);
console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
for (const depth of depths) {
  const r = groups.get(`${ref}@${depth}`);
  const refStats = r ? stats(r) : {};
  for (const c of configs) {
    const g = groups.get(`${c}@${depth}`);
    if (!g) continue;
    const s = stats(g);
    console.log(
      `| ${c} | ${depth} | ${s.n} | ${fmt(s.ops)} | ${ratio(s.ops, refStats.ops)} | ` +
        `${s.spread == null ? '' : `${(s.spread * 100).toFixed(0)}%`} | ${fmt(s.p50)} | ${fmt(s.p99)} | ` +
        `${s.srv == null ? 'n/a' : `${s.srv.toFixed(0)}%`} | ${fmt(s.perCpu)} | ${ratio(s.perCpu, refStats.perCpu)} | ` +
        `${s.gc == null ? '' : `${(s.gc * 100).toFixed(1)}%`} | ${s.loads.length ? `${Math.min(...s.loads)}–${Math.max(...s.loads)}` : ''} | ${s.notes.join(', ')} |`,
    );
  }
}
console.log(
  '\nMedians over the runs; spread = (max − min) / median of ops/s; srv CPU in % of one CPU; ' +
    "GC = share of the server's CPU in garbage collection (Node servers); load = 1-min load average at the end of the runs (min–max); " +
    `ratios compare medians with ${ref} at the same depth, in this run only.`,
);
