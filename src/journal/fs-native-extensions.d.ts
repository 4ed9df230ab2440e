/** The part of fs-native-extensions (file locks on an open descriptor) that rq uses; the package ships no types. */
declare module 'fs-native-extensions' {
  const fileLocks: {
    /**
     * Takes a lock on the whole file without waiting: exclusive unless `shared`. True when taken,
     * false when another open file holds a conflicting lock; throws on other errors.
     */
    tryLock(fd: number, opts?: { shared?: boolean }): boolean;
  };
  export default fileLocks;
}
