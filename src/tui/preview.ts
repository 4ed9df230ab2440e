/** Shows a peeked item's bytes as one safe line of text (pure): UTF-8 when it is, escapes otherwise. */
import type { HeadItem } from './source.js';
import { formatBytes, truncate } from './format.js';

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };
/** How many bytes of an item are decoded for the preview; items may be a megabyte. */
const PREVIEW_BYTES = 4096;

/** The item's data as printable text: control characters and invalid UTF-8 become escapes. */
export function previewData(data: Uint8Array, width: number): string {
  const safe = escapeBytes(data.subarray(0, PREVIEW_BYTES), data.length > PREVIEW_BYTES);
  return truncate(safe + (data.length > PREVIEW_BYTES ? '…' : ''), width);
}

/**
 * Bytes as text a terminal shows as they are and cannot be steered by: valid UTF-8 with its control
 * characters (C0, DEL, C1) and backslashes escaped (`\n`, `\x1b`, `\\`), or, when the bytes are not
 * UTF-8, printable ASCII with every other byte as `\xNN`. `cut`: the bytes end mid-data, so a
 * character cut at the end is not a reason to fall back to bytes. rq pop and rq peek print items
 * to a terminal this way.
 */
export function escapeBytes(bytes: Uint8Array, cut = false): string {
  const hex = (code: number) => `\\x${code.toString(16).padStart(2, '0')}`;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut });
    return text.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) => ESCAPES[c] ?? hex(c.charCodeAt(0)));
  } catch {
    return Array.from(bytes, (b) => (b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : hex(b))).join('');
  }
}

/** "id 42 · flags 0 · delivered 3× · 11B", the facts about a peeked item (an item never delivered says nothing of it). */
export function describeItem(item: HeadItem): string {
  const parts = [];
  if (item.id !== undefined) parts.push(`id ${item.id}`);
  parts.push(`flags ${item.flags}`);
  if (item.deliveries !== undefined && item.deliveries > 0) parts.push(`delivered ${item.deliveries}×`);
  parts.push(formatBytes(item.data.length));
  return parts.join(' · ');
}
