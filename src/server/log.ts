/**
 * The server's log: one line per event, with a level, an event name and named fields, as text for
 * people or JSON for log shippers (`--log-format`), to stderr or to a file (`--log-file`) that
 * `reopen()` (SIGHUP) opens again after logrotate has moved it.
 *
 * Lines are written synchronously: they are few (startup, shutdown, errors; per-connection events
 * only at `debug`), they keep their order with the process's other output, and the last ones
 * before an exit are never lost. Callers pass only what may be shown: never a password or an
 * item's data (docs: README "Running rq in production").
 */
import fs from 'node:fs';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  /** True when events of `level` are written (to skip building fields nobody reads). */
  enabled(level: LogLevel): boolean;
  /** Opens the log file again (after logrotate moved it); a no-op for stderr. */
  reopen(): void;
  close(): void;
}

export interface LogOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** A file to append to; stderr when absent. */
  readonly file?: string;
  /** The clock, for tests. */
  readonly now?: () => Date;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Formats one event as a line (with its newline). Exported for tests. */
export function formatLine(format: LogFormat, time: Date, level: LogLevel, event: string, fields: LogFields = {}): string {
  if (format === 'json') {
    const record: Record<string, unknown> = { time: time.toISOString(), level, event };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && !(k in record)) record[k] = v;
    return JSON.stringify(record) + '\n';
  }
  let line = `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${event}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    line += ` ${k}=${textValue(v)}`;
  }
  return line + '\n';
}

/** A field value in text format: bare when it is a plain word, JSON-quoted otherwise (so one event stays one line). */
function textValue(v: string | number | boolean | null): string {
  const s = String(v);
  return /^[A-Za-z0-9_.:/@+-]+$/.test(s) ? s : JSON.stringify(s);
}

/**
 * Opens the log. Throws (with the path in the message) when the file cannot be opened, so that
 * `rq serve` refuses to start rather than run without a log.
 */
export function openLog(options: LogOptions): Logger {
  const rank = RANK[options.level];
  const now = options.now ?? (() => new Date());
  const open = (): number => fs.openSync(options.file!, 'a', 0o640);
  let fd = options.file === undefined ? 2 : open();

  const write = (level: LogLevel, event: string, fields?: LogFields) => {
    if (RANK[level] > rank) return;
    const line = formatLine(options.format, now(), level, event, fields);
    try {
      fs.writeSync(fd, line);
    } catch {
      // A log that cannot be written (disk full) must not take the server down.
    }
  };

  return {
    error: (event, fields) => write('error', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    info: (event, fields) => write('info', event, fields),
    debug: (event, fields) => write('debug', event, fields),
    enabled: (level) => RANK[level] <= rank,
    reopen() {
      if (options.file === undefined) return;
      let next: number;
      try {
        next = open();
      } catch (err) {
        write('error', 'log file cannot be reopened; still writing to the old one', {
          file: options.file,
          reason: (err as Error).message,
        });
        return;
      }
      const old = fd;
      fd = next;
      fs.closeSync(old);
      write('info', 'log file reopened', { file: options.file });
    },
    close() {
      if (options.file !== undefined && fd !== 2) fs.closeSync(fd);
      fd = 2;
    },
  };
}

/** A log that writes nothing: the server's default when embedded (tests). */
export const SILENT_LOG: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  enabled: () => false,
  reopen() {},
  close() {},
};
