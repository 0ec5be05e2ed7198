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
 * A span over several lines is marked on its first line, up to the end of that line. A long
 * line is shown as a window of about FRAME_WIDTH columns around the span, with `…` where it
 * was cut; a list longer than `max` shows its first `max` diagnostics and one line that
 * counts the rest (docs/design/language.md §3.8).
 */
import * as path from 'node:path';
import type { Diagnostic, Severity } from './diagnostics.js';
import type { SourceFile, Span } from './source.js';

export interface RenderOptions {
  /** ANSI colours (for terminals). Default false. */
  color?: boolean;
  /** Paths are shown relative to this folder. Default: shown as given. */
  cwd?: string;
  /** `renderDiagnostics` shows at most this many, then counts the rest. Default DEFAULT_MAX_SHOWN. */
  max?: number;
  /** How a file is named, before `cwd` applies: the CLI names the standard library `<stdlib>/...`. */
  displayPath?: (file: string) => string | undefined;
}

/** How many diagnostics `renderDiagnostics` shows by default. */
export const DEFAULT_MAX_SHOWN = 200;
/** The widest code frame: a longer line is shown as a window around the span. */
export const FRAME_WIDTH = 120;

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

function location(span: Span, sources: SourceLookup, options: RenderOptions): string {
  const shown = options.displayPath?.(span.file) ?? displayPath(span.file, options.cwd);
  const source = sources(span.file);
  if (!source) return shown;
  const pos = source.position(span.start);
  return `${shown}:${pos.line}:${pos.column}`;
}

/** The code frame: the line with a gutter, then carets under the span. */
function codeFrame(span: Span, source: SourceFile, color: boolean): string[] {
  const pos = source.position(Math.min(span.start, source.text.length));
  const line = source.lineText(pos.line);
  const gutter = String(pos.line);
  const blank = ' '.repeat(gutter.length);
  const lineEnd = source.lineStarts[pos.line - 1] + line.length;
  let column = pos.column - 1;
  let width = Math.max(1, Math.min(span.end, lineEnd) - span.start);
  let text = line;
  if (line.length > FRAME_WIDTH) {
    // A window of the line around the span's start, `…` where it is cut; carets stay within it.
    const from = Math.max(0, Math.min(column - (FRAME_WIDTH >> 1), line.length - FRAME_WIDTH));
    const to = Math.min(line.length, from + FRAME_WIDTH);
    text = (from > 0 ? '…' : '') + line.slice(from, to) + (to < line.length ? '…' : '');
    column = column - from + (from > 0 ? 1 : 0);
    width = Math.max(1, Math.min(width, to - Math.max(from, pos.column - 1)));
  }
  // Keep tabs in the caret prefix so that carets line up under tabbed text.
  let prefix = '';
  for (let i = 0; i < column && i < text.length; i++) prefix += text[i] === '\t' ? '\t' : ' ';
  const carets = paint('^'.repeat(width), COLORS.error + BOLD, color);
  return [`${paint(gutter + ' |', DIM, color)} ${text}`, `${paint(blank + ' |', DIM, color)} ${prefix}${carets}`];
}

/** `file:line:col` of a span, the path relative to `cwd` (for other reports that point into sources, such as `frog explain`). */
export function renderLocation(span: Span, sources: SourceLookup, cwd?: string, displayPath?: RenderOptions['displayPath']): string {
  return location(span, sources, { cwd, displayPath });
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
  const head = d.span ? `${paint(location(d.span, sources, options), BOLD, color)} - ` : '';
  lines.push(`${head}${label}: ${d.message}`);
  const source = d.span && !d.noFrame ? sources(d.span.file) : undefined;
  if (d.span && source) {
    lines.push('');
    lines.push(...codeFrame(d.span, source, color));
  }
  // The data path, unless the message already names it where the location is known.
  if (d.path && !(d.span && d.message.includes(`\`${d.path}\``))) lines.push(`${paint('path:', DIM, color)} ${d.path}`);
  if (d.hint) lines.push(`${paint('hint:', BOLD, color)} ${d.hint}`);
  for (const r of d.related ?? []) {
    const where = r.span ? location(r.span, sources, options) + ' - ' : '';
    lines.push(`${paint('related:', DIM, color)} ${where}${r.message}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Several diagnostics, separated by blank lines, then nothing else; past `options.max`, one
 * line that counts those left out: `and 4900 more errors.`
 */
export function renderDiagnostics(list: readonly Diagnostic[], sources: SourceLookup, options: RenderOptions = {}): string {
  const max = options.max ?? DEFAULT_MAX_SHOWN;
  const shown = list.slice(0, max).map((d) => renderDiagnostic(d, sources, options));
  const rest = list.slice(max);
  if (rest.length > 0) {
    const errors = rest.filter((d) => d.severity === 'error').length;
    const what = errors === rest.length ? (errors === 1 ? 'error' : 'errors') : rest.length === 1 ? 'diagnostic' : 'diagnostics';
    shown.push(`and ${rest.length} more ${what}.\n`);
  }
  return shown.join('\n');
}
