/**
 * `rq work --joblog FILE`: one line per command run, tab-separated, after a header line, like GNU
 * parallel's --joblog (man/rq-work.1 "Job log"). Appended to, so that several runs of a worker
 * keep one history; each line is written whole, at once, when its run ends.
 */
import fs from 'node:fs';

export const JOBLOG_COLUMNS = [
  'seq',
  'queue',
  'id',
  'server',
  'attempt',
  'start_at',
  'runtime_s',
  'exit',
  'signal',
  'outcome',
] as const;

export interface JobLine {
  readonly seq: number;
  readonly queue: string;
  readonly id: number;
  readonly server: string;
  readonly attempt: number;
  /** When the command started, ms since the epoch (written in seconds with three decimals). */
  readonly startAt: number;
  readonly runtimeMs: number;
  /** The exit status; -1 when the command was killed or never ran. */
  readonly exit: number;
  /** The signal that killed it, or '' (a --timeout kill says `timeout`). */
  readonly signal: string;
  /** What rq work did: ack, retry, stop, or dead (released after its last delivery: now in `<queue>.dead`). */
  readonly outcome: string;
}

export class JobLog {
  private constructor(private readonly fd: number) {}

  /** Opens FILE for appending, writing the header if it is new or empty. Throws with the reason. */
  static open(file: string): JobLog {
    const fd = fs.openSync(file, 'a');
    if (fs.fstatSync(fd).size === 0) fs.writeSync(fd, JOBLOG_COLUMNS.join('\t') + '\n');
    return new JobLog(fd);
  }

  write(line: JobLine): void {
    const cells = [
      line.seq,
      line.queue,
      line.id,
      line.server,
      line.attempt,
      (line.startAt / 1000).toFixed(3),
      (line.runtimeMs / 1000).toFixed(3),
      line.exit,
      line.signal,
      line.outcome,
    ];
    fs.writeSync(this.fd, cells.join('\t') + '\n');
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
