/**
 * The port rq serves on and clients connect to unless told otherwise: kestrel's memcache port, not
 * memcached's 11211, so that rq and a memcached can run side by side.
 */
export const DEFAULT_PORT = 22133;
