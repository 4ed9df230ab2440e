/** `rq --version` answers without yargs, exactly as yargs would. */
import yargs from 'yargs';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { VERSION } from '../../../src/version.js';

describe('rq --version', () => {
  it('prints what yargs prints for .version(VERSION)', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await main(['--version']);
    } finally {
      spy.mockRestore();
    }
    let fromYargs = '';
    const log = vi.spyOn(console, 'log').mockImplementation((s: string) => {
      fromYargs = `${s}\n`;
    });
    try {
      await yargs(['--version']).version(VERSION).exitProcess(false).parseAsync();
    } finally {
      log.mockRestore();
    }
    expect(written.join('')).toBe(fromYargs);
    expect(fromYargs).toBe(`${VERSION}\n`);
  });
});
