// bench/nats-direct.mjs — what JetStream itself does for a plain nats.js client: the same cycle
// as qbench's mcq (enqueue, reserve, acknowledge) at the same concurrency, with nothing between.
//
// usage: node bench/nats-direct.mjs --servers URLS --replicas R [--conns 50] [--size 64] [--seconds 5]
//        [--ack ack|delete] [--label L]
// Each of --conns workers loops: js.publish (awaits the stream's ack), consumer.next() (one pull),
// then acknowledges: msg.ackAck() (awaits the consumer leader's confirmation), or with --ack delete
// as rq does, deletes the message by sequence (answered once a quorum has applied it). All share one NATS connection, as an rq front end's
// connections do. Prints one JSON line like qbench --json: ops_per_s counts whole cycles.
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const servers = args.servers.split(',');
const replicas = Number(args.replicas ?? 1);
const conns = Number(args.conns ?? 50);
const size = Number(args.size ?? 64);
const seconds = Number(args.seconds ?? 5);
const label = args.label ?? 'nats-direct';
const byDelete = args.ack === 'delete';

// No up-front Error per request (nats.js's async traces), as rq's front end connects: what the
// client costs is then JetStream's cycle, not a stack trace it never shows.
const nc = await connect({ servers, noAsyncTraces: true });
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);
const stream = `BENCH_${process.pid}`;
const subject = `bench.${process.pid}`;
await jsm.streams.add({
  name: stream,
  subjects: [subject],
  retention: RetentionPolicy.Workqueue,
  storage: StorageType.File,
  num_replicas: replicas,
});
await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.Explicit, max_ack_pending: -1 });
const consumer = await js.consumers.get(stream, 'bench');
const payload = new Uint8Array(size).fill(120);

let cycles = 0;
let errors = 0;
const latencies = [];
const end = Date.now() + seconds * 1000;
const cpu0 = process.cpuUsage();
async function worker() {
  while (Date.now() < end) {
    const t = performance.now();
    try {
      await js.publish(subject, payload);
      const m = await consumer.next({ expires: 1000 });
      if (m === null) continue;
      if (byDelete) await jsm.streams.deleteMessage(stream, m.seq, false);
      else await m.ackAck();
      cycles++;
      latencies.push(performance.now() - t);
    } catch {
      errors++;
    }
  }
}
await Promise.all(Array.from({ length: conns }, worker));
const cpu = process.cpuUsage(cpu0);
await jsm.streams.delete(stream);
await nc.close();
latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 1000) : null;
const r = {
  label,
  proto: 'nats-direct',
  conns,
  size,
  secs: seconds,
  ops: cycles,
  ops_per_s: cycles / seconds,
  p50_us: pct(0.5),
  p99_us: pct(0.99),
  errors,
  cli_cpu: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
};
console.log(`label=${label} ops/s=${Math.round(r.ops_per_s)} p99_us=${r.p99_us} errors=${errors}`);
console.log(JSON.stringify(r));
