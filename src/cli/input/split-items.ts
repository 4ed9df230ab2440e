/**
 * Splits `rq push`'s standard input into items, byte for byte (man/rq-push.1):
 * - `lines`: one item per line; the newline is not part of the item (a `\r` before it is), a last
 *   line without a newline is an item, an empty line is an empty item;
 * - `nul`: items end with a NUL byte (as `find -print0` writes them), a last unterminated item counts;
 * - `whole`: all of the input is one item (possibly empty).
 * Yields arrays of items, one per chunk read, so the pusher can batch them. Items are views into
 * the chunks read, not copies, except where an item spans two chunks.
 */
import { UsageError } from '../command-spec.js';

export type SplitMode = 'lines' | 'nul' | 'whole';

/**
 * The longest item the splitter will gather, in bytes. Far above any server's item limit (1 MiB by
 * default); it only stops a separator-less stream from growing one item until memory runs out.
 */
export const MAX_GATHERED_BYTES = 256 * 1024 * 1024;

export async function* splitItems(
  input: AsyncIterable<Buffer | string>,
  mode: SplitMode,
  maxBytes = MAX_GATHERED_BYTES,
): AsyncGenerator<Buffer[]> {
  const separator = mode === 'nul' ? 0x00 : 0x0a;
  // The unfinished item: pieces of earlier chunks.
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let count = 0;
  const tooLong = () =>
    new UsageError(`item ${count + 1} is longer than ${maxBytes} bytes${mode === 'whole' ? '' : ' (no separator found)'}`);

  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    if (mode === 'whole') {
      partialBytes += chunk.length;
      if (partialBytes > maxBytes) throw tooLong();
      partial.push(chunk);
      continue;
    }
    const items: Buffer[] = [];
    let start = 0;
    for (let at = chunk.indexOf(separator); at >= 0; at = chunk.indexOf(separator, start)) {
      let item = chunk.subarray(start, at);
      if (partial.length > 0) {
        partial.push(item);
        item = Buffer.concat(partial, partialBytes + item.length);
        partial = [];
        partialBytes = 0;
      }
      if (item.length > maxBytes) throw tooLong();
      items.push(item);
      count++;
      start = at + 1;
    }
    if (start < chunk.length) {
      partialBytes += chunk.length - start;
      if (partialBytes > maxBytes) throw tooLong();
      partial.push(chunk.subarray(start));
    }
    if (items.length > 0) yield items;
  }
  if (mode === 'whole') {
    yield [Buffer.concat(partial, partialBytes)];
  } else if (partial.length > 0) {
    yield [Buffer.concat(partial, partialBytes)];
  }
}
