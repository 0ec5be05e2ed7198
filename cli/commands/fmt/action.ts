/**
 * `frog fmt [--check] FILE...` (docs/design/language.md §16). Without `--check` each file that
 * is not formatted is rewritten in place (a temporary file beside it, renamed over it) and its
 * name printed; a file with a syntax error is left alone and its diagnostics printed. With
 * `--check` nothing is written: the files that would change are printed. Exit 1 when a file
 * could not be read, formatted or written, or (`--check`) would change; 0 otherwise.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Io } from '../../io.js';
import { formatSource } from '../../../language/format.js';
import { renderDiagnostics } from '../../../core/render.js';

export interface FmtOptions {
  files: string[];
  check: boolean;
}

function failure(file: string, doing: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reason =
    err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : (err.message ?? String(e));
  return `frog fmt: cannot ${doing} ${file}: ${reason}${err.code ? ` (${err.code})` : ''}\n`;
}

/** Replaces `file` with `text` in one step: readers see the old file or the new one, never a part. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const mode = (await stat(file)).mode & 0o7777;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.fmt`);
  try {
    await writeFile(temp, text, { mode });
    await chmod(temp, mode);
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

export async function fmtCommand(o: FmtOptions, io: Io): Promise<number> {
  let exit = 0;
  for (const file of o.files) {
    const absolute = path.resolve(io.cwd, file);
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (e) {
      io.stderr(failure(file, 'read', e));
      exit = 1;
      continue;
    }
    const result = formatSource(text, absolute);
    if (result.text === undefined) {
      io.stderr(renderDiagnostics(result.diagnostics, (f) => (f === absolute ? result.source : undefined), { cwd: io.cwd, color: io.isTty && !io.env.NO_COLOR }));
      exit = 1;
      continue;
    }
    if (result.text === text) continue;
    if (o.check) {
      io.stdout(`${file}\n`);
      exit = 1;
      continue;
    }
    try {
      await writeAtomically(absolute, result.text);
    } catch (e) {
      io.stderr(failure(file, 'write', e));
      exit = 1;
      continue;
    }
    io.stdout(`${file}\n`);
  }
  return exit;
}
