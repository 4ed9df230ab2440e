/** Shows a peeked item's bytes as one safe line of text (pure): UTF-8 when it is, escapes otherwise. */
import type { HeadItem } from './source.js';
import { formatBytes, truncate } from './format.js';

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };
/** How many bytes of an item are decoded for the preview; items may be a megabyte. */
const PREVIEW_BYTES = 4096;

/** The item's data as printable text: control characters and invalid UTF-8 become escapes. */
export function previewData(data: Uint8Array, width: number): string {
  const bytes = data.subarray(0, PREVIEW_BYTES);
  const hex = (code: number) => `\\x${code.toString(16).padStart(2, '0')}`;
  let safe: string;
  try {
    // A cut through a multi-byte character at the preview's end is not an error.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: data.length > PREVIEW_BYTES });
    safe = text.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) => ESCAPES[c] ?? hex(c.charCodeAt(0)));
  } catch {
    safe = Array.from(bytes, (b) => (b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : hex(b))).join('');
  }
  return truncate(safe + (data.length > PREVIEW_BYTES ? '…' : ''), width);
}

/** "id 42 · flags 0 · 11B", the facts about a peeked item. */
export function describeItem(item: HeadItem): string {
  const parts = [];
  if (item.id !== undefined) parts.push(`id ${item.id}`);
  parts.push(`flags ${item.flags}`, formatBytes(item.data.length));
  return parts.join(' · ');
}
