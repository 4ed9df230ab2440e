/**
 * The shell examples of the README and the man pages, read out of them for
 * test/e2e/doc-examples.test.ts, which runs each one. The rules a document follows:
 *
 * - README.md: every fenced block names its language. `sh` blocks are shell examples; `console`
 *   blocks are shell transcripts, whose `$ ` lines are the commands (the rest is output). Other
 *   languages (python, ini, text) are not shell.
 * - man pages: in the EXAMPLES section, every `.EX`…`.EE` or `.nf`…`.fi` block is a shell
 *   example (a block with `$ ` lines is a transcript, as above); roff's escapes are undone.
 * - An example that cannot run in a test (it needs root, a terminal, other hosts) is marked, right
 *   before its block, with `<!-- not run: <why> -->` (README) or `.\" not run: <why>` (man page).
 *   The reason is required; a marker with no block after it is a mistake.
 * - An example that runs until interrupted says "until Ctrl-C" (in a comment): the test interrupts it.
 *
 * Anything that breaks a rule is returned as a problem, which fails the test.
 */

export interface DocExample {
  /** `README.md:42`: where the block starts. */
  readonly where: string;
  /** The shell code to run. */
  readonly code: string;
  /** Why it is not run, when it is marked so. */
  readonly notRun: string | null;
  /** It runs until interrupted: the test sends SIGINT once it is under way. */
  readonly interrupt: boolean;
}

export interface Extracted {
  readonly examples: DocExample[];
  readonly problems: string[];
}

const SHELL_LANGUAGES = new Set(['sh', 'console']);
const OTHER_LANGUAGES = new Set(['python', 'ini', 'text']);
/** A reason is a few words, not a placeholder. */
const MIN_REASON = 15;

/** Only the `$ ` lines of a transcript, without the prompt; other blocks as they are. */
function commands(lines: readonly string[]): string {
  const prompts = lines.filter((l) => l.startsWith('$ '));
  return (prompts.length > 0 ? prompts.map((l) => l.slice(2)) : lines).join('\n');
}

function example(where: string, lines: readonly string[], notRun: string | null): DocExample {
  const code = commands(lines);
  return { where, code, notRun, interrupt: /until Ctrl-C/.test(code) };
}

function checkReason(reason: string, where: string, problems: string[]): void {
  if (reason.length < MIN_REASON) problems.push(`${where}: "not run" needs a reason (${JSON.stringify(reason)})`);
}

export function readmeExamples(text: string, file = 'README.md'): Extracted {
  const examples: DocExample[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  let pendingMarker: { reason: string; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- not run: (.*) -->$/.exec(lines[i]);
    if (marker) {
      checkReason(marker[1].trim(), `${file}:${i + 1}`, problems);
      pendingMarker = { reason: marker[1].trim(), line: i + 1 };
      continue;
    }
    const fence = /^```(\S*)$/.exec(lines[i]);
    if (!fence) {
      if (pendingMarker && lines[i].trim() !== '') {
        problems.push(`${file}:${pendingMarker.line}: a "not run" marker must stand right before its code block`);
        pendingMarker = null;
      }
      continue;
    }
    const language = fence[1];
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    const where = `${file}:${start}`;
    if (SHELL_LANGUAGES.has(language)) {
      examples.push(example(where, body, pendingMarker?.reason ?? null));
    } else if (!OTHER_LANGUAGES.has(language)) {
      problems.push(
        `${where}: a code block names no language, or one this test does not know (${JSON.stringify(language)}): use sh, console, python, ini or text`,
      );
    } else if (pendingMarker) {
      problems.push(`${where}: a "not run" marker before a block that is not shell`);
    }
    pendingMarker = null;
  }
  if (pendingMarker) problems.push(`${file}:${pendingMarker.line}: a "not run" marker with no block after it`);
  return { examples, problems };
}

/** roff's escapes, as they appear in rq's pages, back to the characters a user types. */
export function unroff(line: string): string {
  return line
    .replace(/\\\(aq/g, "'")
    .replace(/\\\(dq/g, '"')
    .replace(/\\-/g, '-')
    .replace(/\\&/g, '')
    .replace(/\\e/g, '\\');
}

export function manExamples(text: string, file: string): Extracted {
  const examples: DocExample[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('.SH EXAMPLES'));
  if (start < 0) return { examples, problems };
  let pending: string | null = null;
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('.SH '); i++) {
    const marker = /^\.\\" not run: (.*)$/.exec(lines[i]);
    if (marker) {
      checkReason(marker[1].trim(), `${file}:${i + 1}`, problems);
      pending = marker[1].trim();
      continue;
    }
    const end = lines[i] === '.EX' ? '.EE' : lines[i] === '.nf' ? '.fi' : null;
    if (end === null) continue;
    const body: string[] = [];
    const where = `${file}:${i + 1}`;
    for (i++; i < lines.length && lines[i] !== end; i++) body.push(unroff(lines[i]));
    examples.push(example(where, body, pending));
    pending = null;
  }
  if (pending !== null) problems.push(`${file}: a "not run" marker with no example after it`);
  return { examples, problems };
}
