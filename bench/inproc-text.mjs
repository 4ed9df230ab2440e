// In-process cost of the text protocol hot path: parser → session → engine → reply buffer, no sockets.
// Feeds batches like qbench's depth-16 cycle (set, get, delete) to one connection over a fake stream
// (inproc-harness.mjs).
// Usage: npm run build && node bench/inproc-text.mjs [cycles]
import { DEPTH, PAYLOAD, runCycles } from './inproc-harness.mjs';

const set = Buffer.concat([Buffer.from(`set q 0 0 ${PAYLOAD.length}\r\n`), PAYLOAD, Buffer.from('\r\n')]);
runCycles({
  sets: Buffer.concat(Array.from({ length: DEPTH }, () => set)),
  gets: Buffer.from('get q\r\n'.repeat(DEPTH)),
  dels: Buffer.from('delete q\r\n'.repeat(DEPTH)),
});
