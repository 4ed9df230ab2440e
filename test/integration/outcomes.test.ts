/**
 * Both protocols report every outcome of a queue operation the same way: one table of operations,
 * driven through the text protocol and through the binary protocol on servers in the same state,
 * gives the same result and the same reason in each, in that protocol's words (docs/protocol.md:
 * errors). The last rows run while the journal refuses changes (a disk fault).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/journal/memory-store.js';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { BinaryClient, setExtras } from '../helpers/binary-client.js';
import { startJournalServer, type JournalServer } from '../helpers/journal-server.js';
import { RawClient } from '../helpers/raw-client.js';

type Op =
  | { readonly op: 'set'; readonly key: string; readonly data: string }
  | { readonly op: 'get' | 'delete'; readonly key: string }
  | { readonly op: 'touch'; readonly key: string; readonly exptime: number }
  | { readonly op: 'flush'; readonly queue: string }
  | { readonly op: 'flush_all' };

/**
 * What came back: success (with the item shown), nothing there, a release whose item went to the
 * dead queue (asked with `outcome`), or a failure of one kind with its reason.
 */
type Kind = 'ok' | 'miss' | 'not_found' | 'dead' | 'invalid' | 'refused' | 'full' | 'busy';
interface Outcome {
  readonly kind: Kind;
  readonly text?: string;
  /** The key an item came back with, when it is not the key asked for (the deliveries option). */
  readonly key?: string;
}

/** A step: an operation and the outcome both protocols must report, or the disk starting to fail. */
type Step = readonly [Op, Outcome] | 'disk fails';

const LONG_NAME = 'n'.repeat(251);
const REFUSED = 'journal unavailable (ENOSPC); changes are refused until the disk recovers';
const ok = (text?: string, key?: string): Outcome => (key === undefined ? { kind: 'ok', text } : { kind: 'ok', text, key });
const fail = (kind: Kind, text: string): Outcome => ({ kind, text });

/** Run with --max-open 1, --max-queue-items 2, --max-queues 3, --max-deliveries 2. */
const STEPS: Step[] = [
  [{ op: 'set', key: 'q', data: 'one' }, ok()],
  [
    { op: 'set', key: 'q/open', data: 'x' },
    fail('invalid', 'set takes only the option delay=<ms>: other options belong to get and delete'),
  ],
  [{ op: 'set', key: LONG_NAME, data: 'x' }, fail('invalid', 'queue name longer than 250 bytes')],
  [{ op: 'set', key: 'q', data: 'two' }, ok()],
  [{ op: 'set', key: 'q', data: 'three' }, fail('full', 'queue q is full (max 2 items): not stored')],
  [{ op: 'set', key: 'b', data: 'x' }, ok()],
  [{ op: 'set', key: 'c', data: 'x' }, ok()],
  [{ op: 'set', key: 'd', data: 'x' }, fail('full', 'too many queues (max 3): not stored; delete_queue the ones no longer used')],
  [{ op: 'get', key: 'q' }, ok('one')],
  [{ op: 'get', key: 'q' }, fail('busy', 'too many open reservations on q (max 1): delete or close one first')],
  [{ op: 'get', key: 'q/close/id=999/open' }, fail('busy', 'too many open reservations on q (max 1): delete or close one first')],
  [{ op: 'get', key: 'q/peek' }, ok('two')],
  [{ op: 'get', key: 'q/bogus' }, fail('invalid', 'unknown option "bogus"')],
  [{ op: 'get', key: 'nothing' }, { kind: 'miss' }],
  [{ op: 'delete', key: 'q' }, ok()],
  [{ op: 'delete', key: 'q' }, { kind: 'not_found' }],
  [{ op: 'delete', key: 'q/id=999' }, { kind: 'not_found' }],
  [
    { op: 'delete', key: 'q/peek' },
    fail('invalid', 'delete takes only the options abort, id=<n>, delay=<ms> and outcome, not "peek"'),
  ],
  [{ op: 'get', key: 'q/close/open' }, ok('two')],
  [{ op: 'get', key: 'q/abort' }, { kind: 'miss' }],
  [{ op: 'flush', queue: 'b' }, ok()],
  [{ op: 'flush', queue: 'bad/name' }, fail('invalid', 'queue name contains a space, control character or /')],
  [{ op: 'flush_all' }, ok()],
  // Delays, delivery counts, touch (docs/protocol.md); q is empty here.
  [{ op: 'set', key: 'q/delay=60000', data: 'later' }, ok()],
  [{ op: 'get', key: 'q' }, { kind: 'miss' }],
  [{ op: 'set', key: 'q/delay=-1', data: 'x' }, fail('invalid', 'delay= needs a whole number of milliseconds')],
  [{ op: 'set', key: 'q/delay=31536000001', data: 'x' }, fail('invalid', 'delay= is larger than 31536000000 ms')],
  [{ op: 'get', key: 'q/delay=5' }, fail('invalid', 'delay= needs abort')],
  [{ op: 'delete', key: 'q/delay=5' }, fail('invalid', 'delay= needs abort')],
  [{ op: 'get', key: 'q/abort/deliveries' }, fail('invalid', 'deliveries needs open or peek')],
  [{ op: 'touch', key: 'q/id=999', exptime: 30 }, { kind: 'not_found' }],
  [
    { op: 'touch', key: 'q/open', exptime: 30 },
    fail('invalid', 'touch takes only the options id=<n> and lease=<ms>, not "open"'),
  ],
  [{ op: 'touch', key: 'q', exptime: 3_000_000 }, fail('invalid', 'touch needs an exptime in the future')],
  [{ op: 'set', key: 'q', data: 'now' }, ok()],
  [{ op: 'set', key: 'q', data: 'x' }, fail('full', 'queue q is full (max 2 items): not stored')],
  [{ op: 'get', key: 'q/peek/deliveries' }, ok('now', 'q/peek/deliveries=0')],
  [{ op: 'get', key: 'q/deliveries' }, ok('now', 'q/deliveries=1')],
  [{ op: 'touch', key: 'q', exptime: 30 }, ok()],
  [{ op: 'delete', key: 'q/abort/delay=60000' }, ok()],
  [{ op: 'get', key: 'q/peek' }, { kind: 'miss' }],
  [{ op: 'touch', key: 'q', exptime: 30 }, { kind: 'not_found' }],
  [{ op: 'flush', queue: 'q' }, ok()],
  // Dead-lettering (--max-deliveries 2), and the release's outcome; b is empty here.
  [{ op: 'set', key: 'b', data: 'poison' }, ok()],
  [{ op: 'get', key: 'b' }, ok('poison')],
  [{ op: 'delete', key: 'b/abort/outcome' }, ok()],
  [{ op: 'get', key: 'b/deliveries' }, ok('poison', 'b/deliveries=2')],
  [{ op: 'delete', key: 'b/outcome' }, fail('invalid', 'outcome needs abort')],
  [{ op: 'get', key: 'b/abort/outcome' }, fail('invalid', 'unknown option "outcome"')],
  [{ op: 'delete', key: 'b/abort/delay=1000/outcome' }, { kind: 'dead' }],
  [{ op: 'delete', key: 'b/abort/outcome' }, { kind: 'not_found' }],
  [{ op: 'get', key: 'b.dead/peek/deliveries' }, ok('poison', 'b.dead/peek/deliveries=2')],
  // Without the option, a release that dead-letters answers as any release does.
  [{ op: 'get', key: 'b.dead' }, ok('poison')],
  [{ op: 'delete', key: 'b.dead/abort' }, ok()],
  [{ op: 'set', key: 'b', data: 'quiet' }, ok()],
  [{ op: 'get', key: 'b' }, ok('quiet')],
  [{ op: 'delete', key: 'b/abort' }, ok()],
  [{ op: 'get', key: 'b' }, ok('quiet')],
  [{ op: 'delete', key: 'b/abort' }, ok()],
  [{ op: 'get', key: 'b/peek' }, { kind: 'miss' }],
  [{ op: 'set', key: 'q', data: 'kept' }, ok()],
  'disk fails',
  [{ op: 'set', key: 'q', data: 'x' }, fail('refused', REFUSED)],
  [{ op: 'get', key: 'q' }, fail('refused', REFUSED)],
  [{ op: 'get', key: 'q/close' }, fail('refused', REFUSED)],
  [{ op: 'get', key: 'q/peek' }, ok('kept')],
  [{ op: 'get', key: 'q/bogus' }, fail('invalid', 'unknown option "bogus"')],
  [{ op: 'delete', key: 'q/id=1' }, fail('refused', REFUSED)],
  [{ op: 'set', key: 'q/delay=10', data: 'x' }, fail('refused', REFUSED)],
  [{ op: 'touch', key: 'q/id=1', exptime: 30 }, { kind: 'not_found' }],
  [{ op: 'flush', queue: 'q' }, fail('refused', REFUSED)],
  [{ op: 'flush_all' }, fail('refused', REFUSED)],
  [{ op: 'get', key: 'q/peek' }, ok('kept')],
];

/** A protocol's client: sends one operation, reads and classifies its reply. */
interface Driver {
  run(op: Op): Promise<Outcome>;
  close(): void;
}

async function textDriver(port: number): Promise<Driver> {
  const c = await RawClient.connect(port);
  let asked = '';
  const line = async (): Promise<Outcome> => {
    const reply = await c.readLine();
    const error = /^(CLIENT_ERROR|SERVER_ERROR) (.*)$/.exec(reply);
    if (error) return { kind: error[1] === 'CLIENT_ERROR' ? 'invalid' : 'refused', text: error[2] };
    if (reply.startsWith('VALUE ')) {
      const text = await c.readLine();
      expect(await c.readLine()).toBe('END');
      const key = reply.split(' ')[1];
      return ok(text, key === asked ? undefined : key);
    }
    const kinds: Record<string, Kind> = {
      STORED: 'ok',
      DELETED: 'ok',
      DEAD_LETTERED: 'dead',
      TOUCHED: 'ok',
      OK: 'ok',
      END: 'miss',
      NOT_FOUND: 'not_found',
    };
    expect(kinds[reply], reply).toBeDefined();
    return { kind: kinds[reply] };
  };
  return {
    async run(op) {
      switch (op.op) {
        case 'set':
          c.send(`set ${op.key} 0 0 ${op.data.length}\r\n${op.data}\r\n`);
          break;
        case 'get':
          c.send(`get ${(asked = op.key)}\r\n`);
          break;
        case 'touch':
          c.send(`touch ${op.key} ${op.exptime}\r\n`);
          break;
        case 'delete':
          c.send(`delete ${op.key}\r\n`);
          break;
        case 'flush':
          c.send(`flush ${op.queue}\r\n`);
          break;
        case 'flush_all':
          c.send('flush_all\r\n');
          break;
      }
      return line();
    },
    close: () => c.close(),
  };
}

/** docs/protocol.md "Binary protocol": the status of each kind of failure. */
const KIND_OF_STATUS: Record<number, Kind> = {
  [STATUS.INVALID_ARGUMENTS]: 'invalid',
  [STATUS.INTERNAL_ERROR]: 'refused',
  [STATUS.OUT_OF_MEMORY]: 'full',
  [STATUS.TEMPORARY_FAILURE]: 'busy',
};

async function binaryDriver(port: number): Promise<Driver> {
  const c = await BinaryClient.connect(port);
  return {
    async run(op) {
      const reply = await c.request(
        op.op === 'set'
          ? { opcode: OP.SET, key: op.key, extras: setExtras(), value: op.data }
          : op.op === 'get'
            ? { opcode: OP.GET, key: op.key }
            : op.op === 'delete'
              ? { opcode: OP.DELETE, key: op.key }
              : op.op === 'touch'
                ? { opcode: OP.TOUCH, key: op.key, extras: touchExtras(op.exptime) }
                : op.op === 'flush'
                  ? { opcode: OP.FLUSH, key: op.queue }
                  : { opcode: OP.FLUSH },
      );
      if (reply.status === STATUS.SUCCESS) {
        if (op.op === 'delete' && reply.value.toString('latin1') === 'DEAD_LETTERED') return { kind: 'dead' };
        if (op.op !== 'get') return ok();
        const key = reply.key.toString('latin1');
        return ok(reply.value.toString('latin1'), key === '' ? undefined : key);
      }
      if (reply.status === STATUS.KEY_NOT_FOUND) return { kind: op.op === 'get' ? 'miss' : 'not_found' };
      const kind = KIND_OF_STATUS[reply.status];
      expect(kind, `status 0x${reply.status.toString(16)}`).toBeDefined();
      return { kind, text: reply.value.toString('latin1') };
    },
    close: () => c.close(),
  };
}

function touchExtras(exptime: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(exptime, 0);
  return b;
}

/** Text has one word for every server-side failure (SERVER_ERROR); binary tells them apart. */
function inText(outcome: Outcome): Outcome {
  return outcome.kind === 'full' || outcome.kind === 'busy' ? { ...outcome, kind: 'refused' } : outcome;
}

let srv: JournalServer | null = null;

afterEach(async () => {
  await srv?.close();
  srv = null;
});

/** Runs every step on a fresh server through `connect`'s protocol; returns each step's outcome. */
async function runTable(connect: (port: number) => Promise<Driver>): Promise<Array<[string, Outcome]>> {
  const store = new MemoryStore();
  srv = await startJournalServer(store, {}, { maxOpen: 1, maxQueueItems: 2, maxQueues: 3, maxDeliveries: 2 });
  const driver = await connect(srv.port);
  const seen: Array<[string, Outcome]> = [];
  try {
    for (const step of STEPS) {
      if (step === 'disk fails') {
        store.fault = 'ENOSPC';
        const writer = await RawClient.connect(srv.port);
        expect(await writer.request('set q 0 0 4\r\nlost\r\n')).toMatch(/^SERVER_ERROR journal write failed/);
        await writer.waitClosed();
        continue;
      }
      seen.push([JSON.stringify(step[0]), await driver.run(step[0])]);
    }
  } finally {
    driver.close();
  }
  return seen;
}

const expected = STEPS.filter((s) => s !== 'disk fails').map(
  ([op, outcome]) => [JSON.stringify(op), outcome] as [string, Outcome],
);

describe('every operation outcome, through both protocols', () => {
  it('text: STORED/VALUE/DELETED/OK, END or NOT_FOUND, CLIENT_ERROR or SERVER_ERROR with the reason', async () => {
    expect(await runTable(textDriver)).toEqual(expected.map(([op, outcome]) => [op, inText(outcome)]));
  });

  it('binary: success, Not found, or the status of the failure with the same reason', async () => {
    expect(await runTable(binaryDriver)).toEqual(expected);
  });
});
