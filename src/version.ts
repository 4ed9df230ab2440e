/** rq's version, as `version` and `stats` report it (memcache clients expect major.minor.patch). Kept equal to package.json by a test. */
export const VERSION = '0.1.0';
