/**
 * `frog parse FILE... [--json]`: prints each file's AST (an indented s-expression) to stdout
 * and its diagnostics to stderr; with `--json`, one JSON array of `{file, ast, diagnostics}` on
 * stdout and nothing on stderr (a file that cannot be read has `ast: null` and one diagnostic).
 * Exit 1 when any file has a syntax error or cannot be read, 0 otherwise.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Io } from '../../io.js';
import { parse } from '../../../language/parse.js';
import { toSExpression } from '../../../language/sexpr.js';
import { renderDiagnostics } from '../../../core/render.js';
import { hasErrors } from '../../../core/diagnostics.js';
import type { SourceFile } from '../../../core/source.js';
import { diagnosticJson, problemJson, readFailure, type JsonDiagnostic } from '../../output.js';

export interface ParseOptions {
  files: string[];
  json: boolean;
}

/** JSON of an AST: spans as `{start, end}` (the file is the enclosing entry's), bigints as strings. */
export function astToJson(ast: unknown): string {
  return JSON.stringify(
    ast,
    (key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Uint8Array) return Array.from(value);
      if ((key === 'span' || key === 'pathSpan') && value && typeof value === 'object') {
        const s = value as { start: number; end: number };
        return { start: s.start, end: s.end };
      }
      return value;
    },
    2,
  );
}

export async function parseCommand(options: ParseOptions, io: Io): Promise<number> {
  let exit = 0;
  const jsonEntries: { file: string; ast: unknown; diagnostics: JsonDiagnostic[] }[] = [];
  for (const file of options.files) {
    const absolute = path.resolve(io.cwd, file);
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (e) {
      if (options.json) jsonEntries.push({ file, ast: null, diagnostics: [problemJson(readFailure(file, e), { file })] });
      else io.stderr(`frog parse: ${readFailure(file, e)}\n`);
      exit = 1;
      continue;
    }
    const result = parse(text, absolute);
    const sources = (f: string): SourceFile | undefined => (f === absolute ? result.source : undefined);
    if (options.json) {
      jsonEntries.push({ file, ast: result.ast, diagnostics: result.diagnostics.map((d) => diagnosticJson(d, sources, io.cwd)) });
    } else {
      if (options.files.length > 1) io.stdout(`; ${file}\n`);
      io.stdout(toSExpression(result.ast));
      if (result.diagnostics.length > 0) io.stderr(renderDiagnostics(result.diagnostics, sources, { cwd: io.cwd, color: io.isTty && !io.env.NO_COLOR }));
    }
    if (hasErrors(result.diagnostics)) exit = 1;
  }
  // Always an array of {file, ast, diagnostics}, one entry per file, so that consumers need one shape.
  if (options.json) io.stdout(astToJson(jsonEntries) + '\n');
  return exit;
}
