/**
 * Diagnostics → text for people. Deterministic: the same diagnostic and sources give
 * the same text on every machine (paths relative to `cwd`, colour only when asked).
 *
 *     dir/input.sf:1:31 - error SF1008: Operators `+` and `*` are mixed without parentheses.
 *
 *     1 | sfConfig extends { bad (1 + 2 * 3); }
 *       |                               ^
 *     hint: Operators have no precedence: nest them, as in `(a + (b * c))`.
 *     related: dir/lib.sf:2:5 - the message of the related location
 *
 * A span over several lines is marked on its first line, up to the end of that line.
 */
import * as path from 'node:path';
import type { Diagnostic, Severity } from './diagnostics.js';
import type { SourceFile, Span } from './source.js';

export interface RenderOptions {
  /** ANSI colours (for terminals). Default false. */
  color?: boolean;
  /** Paths are shown relative to this folder. Default: shown as given. */
  cwd?: string;
}

export type SourceLookup = (file: string) => SourceFile | undefined;

const COLORS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

function paint(text: string, code: string, color: boolean): string {
  return color ? code + text + RESET : text;
}

function displayPath(file: string, cwd: string | undefined): string {
  if (!cwd || !path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel === '' ? file : rel;
}

function location(span: Span, sources: SourceLookup, cwd: string | undefined): string {
  const shown = displayPath(span.file, cwd);
  const source = sources(span.file);
  if (!source) return shown;
  const pos = source.position(span.start);
  return `${shown}:${pos.line}:${pos.column}`;
}

/** The code frame: the line with a gutter, then carets under the span. */
function codeFrame(span: Span, source: SourceFile, color: boolean): string[] {
  const pos = source.position(Math.min(span.start, source.text.length));
  const text = source.lineText(pos.line);
  const gutter = String(pos.line);
  const blank = ' '.repeat(gutter.length);
  // Keep tabs in the caret prefix so that carets line up under tabbed text.
  let prefix = '';
  for (let i = 0; i < pos.column - 1 && i < text.length; i++) prefix += text[i] === '\t' ? '\t' : ' ';
  const lineEnd = source.lineStarts[pos.line - 1] + text.length;
  const width = Math.max(1, Math.min(span.end, lineEnd) - span.start);
  const carets = paint('^'.repeat(width), COLORS.error + BOLD, color);
  return [`${paint(gutter + ' |', DIM, color)} ${text}`, `${paint(blank + ' |', DIM, color)} ${prefix}${carets}`];
}

/** `file:line:col` of a span, the path relative to `cwd` (for other reports that point into sources, such as `frog explain`). */
export function renderLocation(span: Span, sources: SourceLookup, cwd?: string): string {
  return location(span, sources, cwd);
}

/** The two lines of a span's code frame: the source line with its gutter, then the carets. */
export function renderCodeFrame(span: Span, source: SourceFile, color = false): string[] {
  return codeFrame(span, source, color);
}

/** One diagnostic as text, ending with a newline. */
export function renderDiagnostic(d: Diagnostic, sources: SourceLookup, options: RenderOptions = {}): string {
  const color = options.color === true;
  const lines: string[] = [];
  const label = paint(`${d.severity} ${d.code}`, COLORS[d.severity] + BOLD, color);
  const head = d.span ? `${paint(location(d.span, sources, options.cwd), BOLD, color)} - ` : '';
  lines.push(`${head}${label}: ${d.message}`);
  const source = d.span ? sources(d.span.file) : undefined;
  if (d.span && source) {
    lines.push('');
    lines.push(...codeFrame(d.span, source, color));
  }
  if (d.path) lines.push(`${paint('path:', DIM, color)} ${d.path}`);
  if (d.hint) lines.push(`${paint('hint:', BOLD, color)} ${d.hint}`);
  for (const r of d.related ?? []) {
    const where = r.span ? location(r.span, sources, options.cwd) + ' - ' : '';
    lines.push(`${paint('related:', DIM, color)} ${where}${r.message}`);
  }
  return lines.join('\n') + '\n';
}

/** Several diagnostics, separated by blank lines, then nothing else. */
export function renderDiagnostics(list: readonly Diagnostic[], sources: SourceLookup, options: RenderOptions = {}): string {
  return list.map((d) => renderDiagnostic(d, sources, options)).join('\n');
}
