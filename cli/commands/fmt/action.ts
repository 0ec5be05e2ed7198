/**
 * `frog fmt [--check] FILE...` (docs/design/language.md §16). Without `--check` each file that
 * is not formatted is rewritten in place (a temporary file beside it, renamed over it) and its
 * name printed; a file with a syntax error is left alone and its diagnostics printed. With
 * `--check` nothing is written: the files that would change are printed. Exit 1 when a file
 * could not be read, formatted or written, or (`--check`) would change; 0 otherwise.
 *
 * `--quiet` prints no file names (the exit code says it); `--json` prints one document,
 * `{"check", "changed": [...], "unchanged": [...], "failed": [{file, diagnostics}]}` (with
 * `--check`, `changed` are the files that would change), and nothing on stderr.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Io } from '../../io.js';
import { formatSource } from '../../../language/format.js';
import { Output, problemJson, readFailure, type JsonDiagnostic } from '../../output.js';

export interface FmtOptions {
  files: string[];
  check: boolean;
  json?: boolean;
  quiet?: boolean;
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
  const changed: string[] = [];
  const unchanged: string[] = [];
  const failed: { file: string; diagnostics: JsonDiagnostic[] }[] = [];
  const fail = (file: string, problem: string | ((out: Output) => void)): void => {
    const out = new Output('fmt', io, { mode: o.json ? 'json' : 'text' });
    if (typeof problem === 'string') {
      if (o.json) out.diagnostics.push(problemJson(problem, { file }));
      else out.problem(problem);
    } else problem(out);
    failed.push({ file, diagnostics: out.diagnostics });
    exit = 1;
  };
  const done = (file: string): void => {
    changed.push(file);
    if (!o.json && !o.quiet) io.stdout(`${file}\n`);
  };
  for (const file of o.files) {
    const absolute = path.resolve(io.cwd, file);
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (e) {
      fail(file, readFailure(file, e));
      continue;
    }
    const result = formatSource(text, absolute);
    if (result.text === undefined) {
      fail(file, (out) => out.diagnose(result.diagnostics, (f) => (f === absolute ? result.source : undefined)));
      continue;
    }
    if (result.text === text) {
      unchanged.push(file);
      continue;
    }
    if (o.check) {
      done(file);
      exit = 1;
      continue;
    }
    try {
      await writeAtomically(absolute, result.text);
    } catch (e) {
      fail(file, readFailure(file, e, 'write'));
      continue;
    }
    done(file);
  }
  if (o.json) io.stdout(JSON.stringify({ check: o.check, changed, unchanged, failed }, null, 2) + '\n');
  return exit;
}
