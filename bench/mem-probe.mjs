// Preloaded (--import) into a server by bench/memory-1m.mjs (PROBE=1): on SIGUSR2 the server prints its memory
// figures to stderr: RSS, V8 heap, external and ArrayBuffer bytes, then the same after a full GC
// (with --expose-gc), which tells memory still referenced from garbage not yet collected.
import v8 from 'node:v8';
const mb = (x) => (x / 1e6).toFixed(1);
process.on('SIGUSR2', () => {
  const m = process.memoryUsage();
  const spaces = v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0)
    .map((s) => `${s.space_name}=${mb(s.space_used_size)}/${mb(s.space_size)}`);
  process.stderr.write(
    `MEM rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} (${spaces.join(' ')})\n`,
  );
  if (typeof global.gc !== 'function') return;
  global.gc();
  const n = process.memoryUsage();
  process.stderr.write(`MEM after a full GC: rss=${mb(n.rss)} heapUsed=${mb(n.heapUsed)} arrayBuffers=${mb(n.arrayBuffers)}\n`);
});
