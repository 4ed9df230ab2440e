/** The server's defaults, in a module of their own so that the CLI can show them without loading the server. */
export const DEFAULT_HOST = '127.0.0.1';
/** kestrel's memcache port: not memcached's 11211, so rq and a memcached can run side by side. */
export const DEFAULT_PORT = 22133;
/** memcached's default item size limit. */
export const DEFAULT_MAX_ITEM_SIZE = 1024 * 1024;
/** Open reservations one connection may hold on one queue. */
export const DEFAULT_MAX_OPEN = 100;
/** `--fsync`: see README "Durability" for what each setting promises and bench/RESULTS.md for the measurement behind it. */
export const DEFAULT_FSYNC = 'always';
