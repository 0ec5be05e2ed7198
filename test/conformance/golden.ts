/**
 * The golden files of the conformance suite: running one case, reading its expectation,
 * and (update mode) writing it. The ava tests are in conformance.test.ts; this module has no
 * test of its own, so that update-mode.test.ts can run it on a copy of a case.
 *
 * `expected.error` is line 1 the error kind, then either
 * - one line per diagnostic, in the order reported: `file:line:col SFnnnn message`, the file
 *   relative to the case folder (`<stdlib>/...` for the standard library), each related
 *   location on the next line as `  related file:line:col message`; all compared exactly
 *   (the form of every `errors/` case); or
 * - one phrase the message conveys, or `line L, column C` (the shared `cases/`, copied as
 *   they are).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { compileFile } from '../../compiler/plan.js';
import { resolveFile } from '../../compiler/resolve.js';
import { toCanonicalJson } from '../../core/canonical.js';
import { STDLIB_ROOT } from '../../compiler/includes.js';
import type { Description } from '../../core/values.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { messageForCode } from '../../core/messages/index.js';
import type { SourceFile, Span } from '../../core/source.js';

export interface CaseRun {
  description?: Description;
  diagnostics: Diagnostic[];
  errors: Diagnostic[];
  sources: Map<string, SourceFile>;
}

/**
 * Runs a case. The `errors/` group runs the whole pipeline of `frog compile` (resolution,
 * then the plan, whose checks have codes of their own); the other groups resolve only, since
 * a resolved description that is only data has no plan.
 */
export function runCase(dir: string, group: string): CaseRun {
  const input = join(dir, 'input.sf');
  const r = group === 'errors' ? compileFile(input) : resolveFile(input);
  const description = 'description' in r ? r.description : undefined;
  return { description, diagnostics: r.diagnostics, errors: r.diagnostics.filter((d) => d.severity === 'error'), sources: r.sources };
}

/** The line of a diagnostic line: `file:line:col SFnnnn message`. */
export const DIAGNOSTIC_LINE = /^(\S+):(\d+):(\d+) (SF\d{4}) (.*)$/;

function shownFile(file: string, dir: string): string {
  if (file.startsWith(STDLIB_ROOT + sep)) return '<stdlib>/' + relative(STDLIB_ROOT, file).split(sep).join('/');
  const rel = isAbsolute(file) ? relative(dir, file) : file;
  return rel.split(sep).join('/');
}

function where(span: Span | undefined, run: CaseRun, dir: string): string {
  if (!span) return '-:-:-';
  const source = run.sources.get(span.file);
  const p = source?.position(span.start);
  return `${shownFile(span.file, dir)}:${p?.line ?? '?'}:${p?.column ?? '?'}`;
}

/** Messages may name files of the case by their path (include cycles): shown relative to the case folder. */
function caseRelative(text: string, dir: string): string {
  const prefixes = [dir + sep, relative(process.cwd(), dir) + sep].filter((p) => p !== sep);
  let out = text;
  for (const p of prefixes) out = out.split(p).join('');
  return out;
}

/** Every diagnostic of a run (all severities) as the lines of `expected.error`. */
export function diagnosticLines(run: CaseRun, dir: string): string[] {
  const lines: string[] = [];
  for (const d of run.diagnostics) {
    lines.push(`${where(d.span, run, dir)} ${d.code} ${caseRelative(d.message, dir)}`);
    for (const r of d.related ?? []) lines.push(`  related ${where(r.span, run, dir)} ${caseRelative(r.message, dir)}`);
  }
  return lines;
}

/**
 * `uniqueN` names (docs/design/language.md §9) are opaque: renumbered by first appearance. The JSON of
 * a resolved description shows them quoted; diagnostic lines show them bare.
 */
export function normaliseUnique(text: string, pattern = /"unique\d+"/g): string {
  const map = new Map<string, string>();
  return text.replace(pattern, (m) => {
    if (!map.has(m)) map.set(m, m.startsWith('"') ? `"unique#${map.size}"` : `unique#${map.size}`);
    return map.get(m)!;
  });
}

export interface ErrorExpectation {
  kind: string;
  /** The expected diagnostic lines (the full form), or undefined for a phrase. */
  lines?: string[];
  phrase?: string;
}

export function readErrorExpectation(path: string): ErrorExpectation {
  const [kind, ...rest] = readFileSync(path, 'utf8').replace(/\n+$/, '').split('\n');
  if (rest.length && (DIAGNOSTIC_LINE.test(rest[0]) || rest[0].startsWith('-:-:- '))) return { kind: kind.trim(), lines: rest };
  return { kind: kind.trim(), phrase: rest[0] };
}

/** The kind of the first error of a run, as line 1 of `expected.error` names it. */
export function kindOf(run: CaseRun): string {
  return messageForCode(run.errors[0]?.code ?? '')?.kind ?? 'Unknown';
}

/**
 * Update mode: rewrites the expectation of a case from what it produces, and removes the
 * other expectation file, which would be stale when a case's outcome flipped between error
 * and success. Outside `errors/`, an existing `expected.error` in the phrase form keeps its
 * phrase; `errors/` cases are always written in the full form.
 */
export function updateExpectation(dir: string, group: string, run: CaseRun): 'error' | 'json' | 'none' {
  const jsonPath = join(dir, 'expected.json');
  const errorPath = join(dir, 'expected.error');
  if (run.errors.length) {
    const old = group !== 'errors' && existsSync(errorPath) ? readErrorExpectation(errorPath) : undefined;
    const body = old?.phrase !== undefined ? [old.phrase] : diagnosticLines(run, dir);
    writeFileSync(errorPath, [kindOf(run), ...body].join('\n') + '\n');
    rmSync(jsonPath, { force: true });
    return 'error';
  }
  if (run.description) {
    const json = toCanonicalJson(run.description);
    // Generated names are compared as opaque names: a renumbering alone is no change.
    const same = existsSync(jsonPath) && normaliseUnique(readFileSync(jsonPath, 'utf8')) === normaliseUnique(json);
    if (!same) writeFileSync(jsonPath, json);
    rmSync(errorPath, { force: true });
    return 'json';
  }
  return 'none';
}
