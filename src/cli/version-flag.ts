/** `rq --version` alone prints what yargs would print, without loading yargs: scripts ask often. */
import { VERSION } from '../version.js';

/** Prints the version and returns true when argv is `--version` alone; otherwise returns false. */
export function printVersion(argv: readonly string[]): boolean {
  if (argv.length !== 1 || argv[0] !== '--version') return false;
  process.stdout.write(`${VERSION}\n`);
  return true;
}
