/**
 * What the parsers hold for requests still arriving (data that spans reads): the shared
 * PartialBytes bound, what a connection that has not logged in may have held, and giving back.
 */
import { describe, expect, it } from 'vitest';
import { OP } from '../../../src/protocol/binary/constants.js';
import { encodeRequest } from '../../../src/protocol/binary/packet.js';
import { BinaryParser } from '../../../src/protocol/binary/parser.js';
import { BEFORE_LOGIN_REFUSAL, LOGIN_REQUEST_BYTES } from '../../../src/protocol/credentials.js';
import { noRoomReason, PartialBytes } from '../../../src/protocol/partial-bytes.js';
import { TextParser } from '../../../src/protocol/text/parser.js';

const MAX_ITEM = 10_000;

function setHeader(bytes: number): Buffer {
  return Buffer.from(`set q 0 0 ${bytes}\r\n`);
}

function binarySet(bytes: number, opaque = 1): Buffer {
  return encodeRequest({ opcode: OP.SET, key: 'q', extras: Buffer.alloc(8), value: Buffer.alloc(bytes, 0x61), opaque });
}

describe('PartialBytes', () => {
  it('takes what fits, refuses and counts what does not, and takes again once given back', () => {
    const p = new PartialBytes(100);
    expect(p.take(60)).toBe(true);
    expect(p.take(41)).toBe(false);
    expect([p.held, p.refusals]).toEqual([60, 1]);
    p.give(60);
    expect(p.take(100)).toBe(true);
  });
});

describe('text data still arriving', () => {
  it('is held against the shared bound until whole, then given back; data that arrives whole costs nothing', () => {
    const shared = new PartialBytes(1000);
    const a = new TextParser(MAX_ITEM, shared);
    expect(a.push(Buffer.concat([setHeader(600), Buffer.alloc(10)]))).toEqual([]);
    expect(shared.held).toBe(602);
    const b = new TextParser(MAX_ITEM, shared);
    expect(b.push(Buffer.concat([setHeader(600), Buffer.alloc(10)]))).toEqual([
      { type: 'error', reply: `SERVER_ERROR ${noRoomReason(1000)}\r\n`, close: false, noreply: false },
    ]);
    // b skips the refused block and stays in step; whole data needs no room.
    expect(
      b.push(Buffer.concat([Buffer.alloc(590), Buffer.from('\r\n'), setHeader(700), Buffer.alloc(700), Buffer.from('\r\n')])),
    ).toMatchObject([{ type: 'storage', data: Buffer.alloc(700) }]);
    expect(a.push(Buffer.concat([Buffer.alloc(590), Buffer.from('\r\n')]))).toMatchObject([{ type: 'storage' }]);
    expect([shared.held, shared.refusals]).toEqual([0, 1]);
  });

  it('is given back when the connection goes', () => {
    const shared = new PartialBytes(Infinity);
    const p = new TextParser(MAX_ITEM, shared);
    p.push(Buffer.concat([setHeader(5000), Buffer.alloc(1)]));
    expect(shared.held).toBe(5002);
    p.release();
    expect(shared.held).toBe(0);
  });

  it("before login: at most a login's size, for data and for a partial line; whole requests parse as usual", () => {
    const p = new TextParser(MAX_ITEM);
    p.limitToLogin(true);
    const big = LOGIN_REQUEST_BYTES; // plus its CRLF: one byte too many to hold
    expect(p.push(Buffer.concat([setHeader(big), Buffer.alloc(1)]))).toEqual([
      { type: 'error', reply: `CLIENT_ERROR ${BEFORE_LOGIN_REFUSAL}\r\n`, close: false, noreply: false },
    ]);
    expect(
      p.push(
        Buffer.concat([Buffer.alloc(big - 1), Buffer.from('\r\n'), setHeader(5000), Buffer.alloc(5000), Buffer.from('\r\n')]),
      ),
    ).toMatchObject([{ type: 'storage', data: Buffer.alloc(5000) }]);
    expect(p.push(Buffer.concat([setHeader(big - 2), Buffer.alloc(1)]))).toEqual([]); // a login's size is held
    p.push(Buffer.concat([Buffer.alloc(big - 3), Buffer.from('\r\n')]));
    expect(p.push(Buffer.from(`get ${'k'.repeat(LOGIN_REQUEST_BYTES)}`))).toEqual([
      { type: 'error', reply: 'CLIENT_ERROR line too long\r\n', close: true, noreply: false },
    ]);
    const after = new TextParser(MAX_ITEM);
    after.limitToLogin(true);
    after.limitToLogin(false);
    expect(after.push(Buffer.concat([setHeader(5000), Buffer.alloc(1)]))).toEqual([]);
  });
});

describe('binary bodies still arriving', () => {
  it('are held against the shared bound until whole, refused as no_room past it, and given back', () => {
    const shared = new PartialBytes(1000);
    const a = new BinaryParser(MAX_ITEM, shared);
    const b = new BinaryParser(MAX_ITEM, shared);
    const set = binarySet(600);
    expect(a.push(set.subarray(0, 100))).toEqual([]);
    expect(shared.held).toBe(609);
    expect(b.push(set.subarray(0, 100))).toEqual([{ type: 'no_room', opcode: OP.SET, opaque: 1, reason: noRoomReason(1000) }]);
    expect(b.push(Buffer.concat([set.subarray(100), encodeRequest({ opcode: OP.NOOP, opaque: 2 })]))).toMatchObject([
      { type: 'noop', opaque: 2 },
    ]);
    expect(a.push(set.subarray(100))).toMatchObject([{ type: 'set' }]);
    expect(shared.held).toBe(0);
    a.push(set.subarray(0, 100));
    a.release();
    expect(shared.held).toBe(0);
  });

  it("before login: a body still arriving is held only up to a login's size", () => {
    const p = new BinaryParser(MAX_ITEM);
    p.limitToLogin(true);
    const big = binarySet(LOGIN_REQUEST_BYTES, 7);
    expect(p.push(big.subarray(0, 30))).toEqual([{ type: 'no_room', opcode: OP.SET, opaque: 7, reason: BEFORE_LOGIN_REFUSAL }]);
    expect(p.push(Buffer.concat([big.subarray(30), big]))).toMatchObject([{ type: 'set', opaque: 7 }]); // whole: parsed
    const small = binarySet(LOGIN_REQUEST_BYTES - 9, 8);
    expect(p.push(small.subarray(0, 30))).toEqual([]);
    expect(p.push(small.subarray(30))).toMatchObject([{ type: 'set', opaque: 8 }]);
  });
});
