/** The server log: one line per event, levels, text and JSON, and reopening a rotated file. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatLine, openLog, type Logger } from '../../../src/server/log.js';
import { tempDir } from '../../helpers/server.js';

const T = new Date('2025-01-02T03:04:05.678Z');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function fileLog(
  level: 'error' | 'warn' | 'info' | 'debug',
  format: 'text' | 'json',
): { log: Logger; file: string; dir: string } {
  const { dir, remove } = tempDir('rq-log-');
  const file = path.join(dir, 'rq.log');
  const log = openLog({ level, format, file, now: () => T });
  cleanups.push(() => {
    log.close();
    remove();
  });
  return { log, file, dir };
}

describe('formatLine', () => {
  it('text: time, level, event, then fields, quoted only when they need it', () => {
    expect(formatLine('text', T, 'info', 'listening', { address: '127.0.0.1:22133', dir: '/var/lib/rq' })).toBe(
      '2025-01-02T03:04:05.678Z INFO  listening address=127.0.0.1:22133 dir=/var/lib/rq\n',
    );
    expect(formatLine('text', T, 'warn', 'odd', { reason: 'two words\nand a newline', n: 3, gone: undefined })).toBe(
      '2025-01-02T03:04:05.678Z WARN  odd reason="two words\\nand a newline" n=3\n',
    );
  });

  it('json: one object per line, with time, level and event first; fields cannot overwrite them', () => {
    const line = formatLine('json', T, 'error', 'boom', { reason: 'a\nb', level: 'spoofed', n: 1 });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ time: T.toISOString(), level: 'error', event: 'boom', reason: 'a\nb', n: 1 });
  });
});

describe('openLog', () => {
  it('writes the events at or above its level', () => {
    const { log, file } = fileLog('warn', 'text');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s+/)[2]),
    ).toEqual(['w', 'e']);
    expect(log.enabled('info')).toBe(false);
    expect(log.enabled('error')).toBe(true);
  });

  it('reopens its file after logrotate moved it', () => {
    const { log, file } = fileLog('info', 'json');
    log.info('before');
    fs.renameSync(file, file + '.1');
    log.info('still to the old file');
    log.reopen();
    log.info('after');
    const old = fs
      .readFileSync(file + '.1', 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    const fresh = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(old).toEqual(['before', 'still to the old file']);
    expect(fresh).toEqual(['log file reopened', 'after']);
  });

  it('refuses a file it cannot open, naming it', () => {
    const { dir, remove } = tempDir('rq-log-');
    cleanups.push(remove);
    const file = path.join(dir, 'missing-dir', 'rq.log');
    expect(() => openLog({ level: 'info', format: 'text', file })).toThrow(/missing-dir/);
  });

  it('keeps writing to the old file when the new one cannot be opened', () => {
    const { log, file } = fileLog('info', 'text');
    fs.renameSync(file, file + '.1');
    fs.mkdirSync(file); // a directory where the file should be: cannot be opened, even by root
    log.reopen();
    log.info('after');
    const old = fs.readFileSync(file + '.1', 'utf8');
    expect(old).toContain('log file cannot be reopened');
    expect(old).toContain('after');
  });
});
