// Run: npm run build && node --expose-gc bench/delayed-memory.mjs
// Memory per item: N ready items against N delayed items (64-byte data), in one engine each.
import { QueueEngine } from '../dist/queue/engine.js';
import { UNLIMITED } from '../dist/queue/limits.js';
const N = 200_000;
const data = Buffer.alloc(64, 120);
function measure(delayMs) {
  global.gc();
  global.gc();
  const before = process.memoryUsage();
  const e = new QueueEngine(UNLIMITED);
  for (let i = 0; i < N; i++) e.enqueue('q', 0, 0, Buffer.from(data), 1_000_000, delayMs);
  global.gc();
  global.gc();
  const after = process.memoryUsage();
  const per = (after.heapUsed + after.external - before.heapUsed - before.external) / N;
  return { e, per };
}
const ready = measure(0);
const readyPer = ready.per;
ready.e = null;
const delayed = measure(3_600_000);
console.log(`bytes per item (heap + external), ${N} × 64 B: ready ${readyPer.toFixed(0)}, delayed ${delayed.per.toFixed(0)}`);
