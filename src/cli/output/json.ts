/**
 * rq's machine-readable output, the one rule behind every `--json` (docs/json.md): keys in
 * snake_case, as the wire's stats name them (`total_items`, `age_ms`); numbers as JSON numbers;
 * times as milliseconds since the Unix epoch in keys ending `_at`, durations in keys ending `_ms`;
 * one object per line. Objects built from the code's own records (camelCase properties) get their
 * keys converted here, so that no command spells the rule out for itself.
 */

/** `totalItems` → `total_items`; a key already in snake_case stays as it is. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The value with every object key in snake_case, at every depth. */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), snakeKeys(v)]));
}

/**
 * One JSON line. JSON escapes C0 controls but not DEL or the C1 controls (U+0080–U+009F), which
 * some terminals obey: those are escaped too, so a line is safe to show; it decodes to the same value.
 */
export function jsonLine(value: object): string {
  return (
    JSON.stringify(snakeKeys(value)).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) +
    '\n'
  );
}
