/**
 * How long a queue name may be: 1–250 bytes, memcached's key limit. The wire carries such names
 * (protocol/key.ts checks them) and the journal stores them (docs/journal-format.md), so the rule
 * lives here, where any layer may import it, as it may version.ts.
 */
export const MAX_QUEUE_NAME_BYTES = 250;
