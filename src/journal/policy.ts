/** The `--fsync` setting: when the journal's bytes are forced to disk, and so when replies may go out. */
export type FsyncPolicy =
  /** fsync before replying; one fsync serves every reply waiting for it (group commit). */
  | { readonly kind: 'always' }
  /** Reply once written (to the OS); fsync at most every `ms` milliseconds. */
  | { readonly kind: 'interval'; readonly ms: number }
  /** Reply once written; never fsync (the OS writes back when it likes). */
  | { readonly kind: 'never' };

/** Parses `always`, `never` or a whole number of milliseconds (`0` is the same as `always`). */
export function parseFsyncPolicy(text: string): FsyncPolicy | string {
  if (text === 'always') return { kind: 'always' };
  if (text === 'never') return { kind: 'never' };
  if (/^\d+$/.test(text)) {
    const ms = Number(text);
    if (ms === 0) return { kind: 'always' };
    if (ms > 3_600_000) return `--fsync ${text}: at most 3600000 ms (an hour)`;
    return { kind: 'interval', ms };
  }
  return `--fsync must be always, never or a number of milliseconds, not ${JSON.stringify(text)}`;
}

export function describeFsyncPolicy(p: FsyncPolicy): string {
  return p.kind === 'interval' ? `${p.ms}ms` : p.kind;
}
