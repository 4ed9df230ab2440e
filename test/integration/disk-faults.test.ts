/**
 * Disk faults (a journal store that fails on demand): affected requests get SERVER_ERROR, nothing is
 * reported stored that is not, reads keep working, and the server takes changes again once the disk does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/journal/memory-store.js';
import { OP, STATUS } from '../../src/protocol/binary/constants.js';
import { BinaryClient } from '../helpers/binary-client.js';
import { startJournalServer, type JournalServer } from '../helpers/journal-server.js';
import { Connections, RawClient, setText } from '../helpers/raw-client.js';

let srv: JournalServer | null = null;
const conns = new Connections(() => srv!.port);

async function connect(port: number): Promise<RawClient> {
  return conns.add(await RawClient.connect(port));
}

afterEach(async () => {
  conns.closeAll();
  await srv?.close();
  srv = null;
});

describe('disk faults', () => {
  it('fails the requests in flight, refuses changes, serves reads, and recovers', async () => {
    const store = new MemoryStore();
    srv = await startJournalServer(store, { retryMs: 20 });
    const a = await connect(srv.port);
    expect(await a.request(setText('q', 'kept'))).toBe('STORED\r\n');

    store.fault = 'ENOSPC';
    expect(await a.request(setText('q', 'unknown'))).toMatch(/^SERVER_ERROR journal write failed: .*ENOSPC.*\r\n$/);
    await a.waitClosed();

    const b = await connect(srv.port);
    for (const change of [setText('q', 'refused'), 'get q\r\n', 'delete q\r\n', 'flush q\r\n', 'delete_queue q\r\n']) {
      expect(await b.request(change), change).toMatch(/^SERVER_ERROR journal unavailable \(ENOSPC\)/);
    }
    expect(await b.request('get q/peek\r\n', 'END\r\n')).toBe('VALUE q/peek 0 4\r\nkept\r\nEND\r\n');
    const stats = await b.request('stats\r\n', 'END\r\n');
    expect(stats).toContain('STAT journal_state failed:ENOSPC\r\n');
    expect(stats).toContain('STAT journal_faults 1\r\n');
    expect(stats).toContain('STAT refused_changes 5\r\n');

    store.fault = null;
    await srv.restored.journal!.recovered();
    expect(await b.request(setText('q', 'after'))).toBe('STORED\r\n');
    expect(await b.request('stats\r\n', 'END\r\n')).toContain('STAT journal_state ok\r\n');
    expect(srv.warnings.join('\n')).toMatch(/write failed \(ENOSPC\)[\s\S]*takes writes again/);

    // What a machine crash now leaves: everything acknowledged; 'unknown' was answered SERVER_ERROR
    // (outcome unknown) and was written when the disk recovered; 'refused' was never applied.
    await srv.close();
    srv = await startJournalServer(store.crashed());
    const c = await connect(srv.port);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const reply = await c.request('get q\r\n', 'END\r\n');
      const m = /\r\n(.*)\r\nEND/.exec(reply);
      if (m) got.push(m[1]);
    }
    expect(got).toEqual(['kept', 'unknown', 'after']);
  });

  it('a failing fsync fails the replies that waited for it; they are rewritten once the disk recovers', async () => {
    const store = new MemoryStore();
    srv = await startJournalServer(store, { retryMs: 20 });
    const a = await connect(srv.port);
    store.holdSyncs = true;
    a.send(setText('q', 'x'));
    await new Promise<void>((resolve) => {
      const check = () => (store.heldSyncCount > 0 ? resolve() : setImmediate(check));
      check();
    });
    store.fault = 'EIO';
    store.holdSyncs = false;
    store.releaseSyncs();
    expect(await a.readLine()).toMatch(/^SERVER_ERROR journal write failed: .*EIO.*fdatasync/);
    store.fault = null;
    await srv.restored.journal!.recovered();
    await srv.close();
    srv = await startJournalServer(store.crashed());
    const b = await connect(srv.port);
    expect(await b.request('get q\r\n', 'END\r\n')).toBe('VALUE q 0 1\r\nx\r\nEND\r\n');
  });

  it('a binary FLUSH is refused as the text flush is, and flushes nothing, then or after a restart', async () => {
    const store = new MemoryStore();
    srv = await startJournalServer(store, { retryMs: 20 });
    const a = await connect(srv.port);
    expect(await a.request(setText('q', 'one') + setText('q', 'two'), 'STORED\r\nSTORED\r\n')).toBe('STORED\r\nSTORED\r\n');
    store.fault = 'ENOSPC';
    expect(await a.request(setText('other', 'x'))).toMatch(/^SERVER_ERROR journal write failed/);
    await a.waitClosed();

    const b = await BinaryClient.connect(srv.port);
    conns.add(b);
    for (const [i, flush] of [{ opcode: OP.FLUSH, key: 'q' }, { opcode: OP.FLUSHQ, key: 'q' }, { opcode: OP.FLUSH }].entries()) {
      const reply = await b.request({ ...flush, opaque: i + 1 });
      expect(reply, JSON.stringify(flush)).toMatchObject({ opcode: flush.opcode, status: STATUS.INTERNAL_ERROR, opaque: i + 1 });
      expect(reply.value.toString()).toMatch(/^journal unavailable \(ENOSPC\)/);
    }
    expect((await b.request({ opcode: OP.GET, key: 'q/peek' })).value.toString()).toBe('one');

    store.fault = null;
    await srv.restored.journal!.recovered();
    await srv.close();
    srv = await startJournalServer(store.crashed());
    const c = await connect(srv.port);
    expect(await c.request('get q\r\nget q\r\n', 'END\r\nVALUE q 0 3\r\ntwo\r\nEND\r\n')).toBe(
      'VALUE q 0 3\r\none\r\nEND\r\nVALUE q 0 3\r\ntwo\r\nEND\r\n',
    );
  });
});
