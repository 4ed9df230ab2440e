/**
 * How `rq pop` and `rq peek` print items (man/rq-pop.1 "Output"): the data followed by a newline
 * (default), by a NUL (`-0`), by nothing (`--raw`), or one JSON object per line (`--json`).
 * Data goes to stdout and nothing else does.
 */
import { isUtf8 } from 'node:buffer';
import type { Item } from '../../client/item.js';
import { OutputError } from './failure.js';

export type ItemFormat = 'lines' | 'nul' | 'raw' | 'json';

const NEWLINE = Buffer.from('\n');
const NUL = Buffer.from([0]);

/** The JSON form of an item: data as text when it is valid UTF-8, else base64 (`encoding` says which). */
export function itemJson(item: Item, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const utf8 = isUtf8(item.data);
  return {
    queue: item.queue,
    id: item.id,
    server: item.server,
    flags: item.flags,
    bytes: item.data.length,
    encoding: utf8 ? 'utf8' : 'base64',
    data: item.data.toString(utf8 ? 'utf8' : 'base64'),
    ...extra,
  };
}

/** The bytes that print `items` in `format`, as one buffer (one write per batch). */
export function formatItems(items: readonly Item[], format: ItemFormat, extra?: (item: Item) => Record<string, unknown>): Buffer {
  if (format === 'json') {
    return Buffer.from(items.map((i) => JSON.stringify(itemJson(i, extra?.(i))) + '\n').join(''));
  }
  if (format === 'raw') return items.length === 1 ? items[0].data : Buffer.concat(items.map((i) => i.data));
  const end = format === 'nul' ? NUL : NEWLINE;
  const parts: Buffer[] = [];
  for (const i of items) parts.push(i.data, end);
  return Buffer.concat(parts);
}

let listening = false;

/**
 * Writes to stdout and resolves once the bytes are handed to the OS; rejects with OutputError when
 * they cannot be (EPIPE from a closed pipe, ENOSPC, …). An item counts as delivered only then.
 */
export function writeOut(bytes: Buffer | string): Promise<void> {
  if (!listening) {
    // Without a listener an EPIPE would be an uncaught exception; the write callback reports it.
    process.stdout.on('error', () => {});
    listening = true;
  }
  return new Promise((resolve, reject) => {
    if (process.stdout.destroyed) return reject(new OutputError(new Error('stdout is closed')));
    process.stdout.write(bytes, (err) => (err ? reject(new OutputError(err)) : resolve()));
  });
}
