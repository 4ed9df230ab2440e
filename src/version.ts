/** rq's version, as `version` and `stats` report it (memcache clients expect major.minor.patch, and libmemcached refuses a major version of 0). Kept equal to package.json by a test. */
export const VERSION = '1.0.0';
