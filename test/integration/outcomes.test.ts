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
  | { readonly op: 'flush'; readonly queue: string }
  | { readonly op: 'flush_all' };

/** What came back: success (with the item shown), nothing there, or a failure of one kind with its reason. */
type Kind = 'ok' | 'miss' | 'not_found' | 'invalid' | 'refused' | 'full' | 'busy';
interface Outcome {
  readonly kind: Kind;
  readonly text?: string;
}

/** A step: an operation and the outcome both protocols must report, or the disk starting to fail. */
type Step = readonly [Op, Outcome] | 'disk fails';

const LONG_NAME = 'n'.repeat(251);
const REFUSED = 'journal unavailable (ENOSPC); changes are refused until the disk recovers';
const ok = (text?: string): Outcome => ({ kind: 'ok', text });
const fail = (kind: Kind, text: string): Outcome => ({ kind, text });

/** Run with --max-open 1, --max-queue-items 2, --max-queues 3. */
const STEPS: Step[] = [
  [{ op: 'set', key: 'q', data: 'one' }, ok()],
  [{ op: 'set', key: 'q/open', data: 'x' }, fail('invalid', 'set takes a bare queue name: options belong to get and delete')],
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
  [{ op: 'delete', key: 'q/peek' }, fail('invalid', 'delete takes only the options abort and id=<n>, not "peek"')],
  [{ op: 'get', key: 'q/close/open' }, ok('two')],
  [{ op: 'get', key: 'q/abort' }, { kind: 'miss' }],
  [{ op: 'flush', queue: 'b' }, ok()],
  [{ op: 'flush', queue: 'bad/name' }, fail('invalid', 'queue name contains a space, control character or /')],
  [{ op: 'flush_all' }, ok()],
  [{ op: 'set', key: 'q', data: 'kept' }, ok()],
  'disk fails',
  [{ op: 'set', key: 'q', data: 'x' }, fail('refused', REFUSED)],
  [{ op: 'get', key: 'q' }, fail('refused', REFUSED)],
  [{ op: 'get', key: 'q/close' }, fail('refused', REFUSED)],
  [{ op: 'get', key: 'q/peek' }, ok('kept')],
  [{ op: 'get', key: 'q/bogus' }, fail('invalid', 'unknown option "bogus"')],
  [{ op: 'delete', key: 'q/id=1' }, fail('refused', REFUSED)],
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
  const line = async (): Promise<Outcome> => {
    const reply = await c.readLine();
    const error = /^(CLIENT_ERROR|SERVER_ERROR) (.*)$/.exec(reply);
    if (error) return { kind: error[1] === 'CLIENT_ERROR' ? 'invalid' : 'refused', text: error[2] };
    if (reply.startsWith('VALUE ')) {
      const text = await c.readLine();
      expect(await c.readLine()).toBe('END');
      return ok(text);
    }
    const kinds: Record<string, Kind> = { STORED: 'ok', DELETED: 'ok', OK: 'ok', END: 'miss', NOT_FOUND: 'not_found' };
    expect(kinds[reply], reply).toBeDefined();
    return { kind: kinds[reply] };
  };
  return {
    async run(op) {
      switch (op.op) {
        case 'set': c.send(`set ${op.key} 0 0 ${op.data.length}\r\n${op.data}\r\n`); break;
        case 'get': c.send(`get ${op.key}\r\n`); break;
        case 'delete': c.send(`delete ${op.key}\r\n`); break;
        case 'flush': c.send(`flush ${op.queue}\r\n`); break;
        case 'flush_all': c.send('flush_all\r\n'); break;
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
        op.op === 'set' ? { opcode: OP.SET, key: op.key, extras: setExtras(), value: op.data }
        : op.op === 'get' ? { opcode: OP.GET, key: op.key }
        : op.op === 'delete' ? { opcode: OP.DELETE, key: op.key }
        : op.op === 'flush' ? { opcode: OP.FLUSH, key: op.queue }
        : { opcode: OP.FLUSH },
      );
      if (reply.status === STATUS.SUCCESS) return ok(op.op === 'get' ? reply.value.toString('latin1') : undefined);
      if (reply.status === STATUS.KEY_NOT_FOUND) return { kind: op.op === 'get' ? 'miss' : 'not_found' };
      const kind = KIND_OF_STATUS[reply.status];
      expect(kind, `status 0x${reply.status.toString(16)}`).toBeDefined();
      return { kind, text: reply.value.toString('latin1') };
    },
    close: () => c.close(),
  };
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
  srv = await startJournalServer(store, {}, { maxOpen: 1, maxQueueItems: 2, maxQueues: 3 });
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

const expected = STEPS.filter((s) => s !== 'disk fails').map(([op, outcome]) => [JSON.stringify(op), outcome] as [string, Outcome]);

describe('every operation outcome, through both protocols', () => {
  it('text: STORED/VALUE/DELETED/OK, END or NOT_FOUND, CLIENT_ERROR or SERVER_ERROR with the reason', async () => {
    expect(await runTable(textDriver)).toEqual(expected.map(([op, outcome]) => [op, inText(outcome)]));
  });

  it('binary: success, Not found, or the status of the failure with the same reason', async () => {
    expect(await runTable(binaryDriver)).toEqual(expected);
  });
});
