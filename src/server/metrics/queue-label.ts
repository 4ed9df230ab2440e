/**
 * A queue's name as a Prometheus label value. Names are bytes (latin1 strings in rq), label values
 * are UTF-8 text: a name that is valid UTF-8 shows as that text, as its owner typed it. Any other
 * name shows its invalid bytes as `\xNN` and its backslashes doubled, so that no two queues ever
 * share a label (two series with the same labels would make Prometheus reject the whole scrape).
 * Pure.
 */
// ignoreBOM: a name that starts with a byte order mark keeps it (else it would show as the name without one).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function queueLabel(name: string): string {
  let plain = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80 || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return name;
  const bytes = Buffer.from(name, 'latin1');
  if (!name.includes('\\')) {
    try {
      return UTF8.decode(bytes);
    } catch {
      // not UTF-8: escaped below
    }
  }
  return escaped(bytes);
}

/** Valid UTF-8 sequences as text, every other byte as `\xNN`, and `\` as `\\`. */
function escaped(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 0x5c) {
      out += '\\\\';
      i++;
      continue;
    }
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length > 0 && i + length <= bytes.length) {
      try {
        out += UTF8.decode(bytes.subarray(i, i + length));
        i += length;
        continue;
      } catch {
        // an invalid sequence: its first byte is escaped, the rest are looked at again
      }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}
