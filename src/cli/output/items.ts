/**
 * How `rq pop` and `rq peek` print items (man/rq-pop.1 "Output"): the data followed by a newline
 * (default), by a NUL (`-0`), by nothing (`--raw`), or one JSON object per line (`--json`).
 * Data goes to stdout and nothing else does. To a file or a pipe the data is written byte for byte;
 * to a terminal, control bytes are escaped (`\x1b`, `\n`), as redis-cli and rq top's detail view
 * do, so that an item cannot steer the terminal and one item stays one line.
 */
import { isUtf8 } from 'node:buffer';
import type { Item } from '../../client/item.js';
import { escapeBytes } from '../../tui/preview.js';
import { OutputError } from '../client/failure.js';
import { jsonLine } from './json.js';

export type ItemFormat = 'lines' | 'nul' | 'raw' | 'json';

export interface FormatOptions {
  /** Standard output is a terminal: escape control bytes (not with --json, which is escaped anyway). */
  readonly terminal?: boolean;
  /** More fields for the JSON form (`lease_ms`). */
  readonly extra?: (item: Item) => Record<string, unknown>;
}

const NEWLINE = Buffer.from('\n');
const NUL = Buffer.from([0]);

/** The JSON form of an item (docs/json.md "Items"): data as text when it is valid UTF-8, else base64 (`encoding` says which). */
export function itemJson(item: Item, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const utf8 = isUtf8(item.data);
  return {
    queue: item.queue,
    id: item.id,
    server: item.server,
    flags: item.flags,
    deliveries: item.deliveries,
    bytes: item.data.length,
    encoding: utf8 ? 'utf8' : 'base64',
    data: item.data.toString(utf8 ? 'utf8' : 'base64'),
    ...extra,
  };
}

/** The bytes that print one item in `format`. */
export function formatItem(item: Item, format: ItemFormat, options: FormatOptions = {}): Buffer {
  if (format === 'json') return Buffer.from(jsonLine(itemJson(item, options.extra?.(item))));
  const data = options.terminal ? Buffer.from(escapeBytes(item.data)) : item.data;
  if (format === 'raw') return data;
  return Buffer.concat([data, format === 'nul' ? NUL : NEWLINE]);
}

/** The bytes that print `items` in `format`, as one buffer (one write per batch). */
export function formatItems(items: readonly Item[], format: ItemFormat, options: FormatOptions = {}): Buffer {
  return items.length === 1
    ? formatItem(items[0], format, options)
    : Buffer.concat(items.map((i) => formatItem(i, format, options)));
}

let listening = false;

/**
 * Writes to stdout and resolves once the bytes are handed to the OS; rejects with OutputError when
 * they cannot be (EPIPE from a closed pipe, ENOSPC, …).
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

/** True when stdout is a terminal: items are then escaped. */
export function stdoutIsTerminal(): boolean {
  return process.stdout.isTTY === true;
}
