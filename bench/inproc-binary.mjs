// In-process cost of the binary protocol hot path: parser → session → engine → reply buffer, no sockets.
// The binary twin of inproc-text.mjs: batches of SET, GET, DELETE (depth 16) to one connection over a
// fake stream (inproc-harness.mjs).
// Usage: npm run build && node bench/inproc-binary.mjs [cycles]
import { OP } from '../dist/protocol/binary/constants.js';
import { encodeRequest } from '../dist/protocol/binary/packet.js';
import { DEPTH, PAYLOAD, runCycles } from './inproc-harness.mjs';

const repeat = (fields) => Buffer.concat(Array.from({ length: DEPTH }, (_, i) => encodeRequest({ ...fields, opaque: i })));
runCycles({
  sets: repeat({ opcode: OP.SET, key: 'q', extras: Buffer.alloc(8), value: PAYLOAD }),
  gets: repeat({ opcode: OP.GET, key: 'q' }),
  dels: repeat({ opcode: OP.DELETE, key: 'q' }),
});
