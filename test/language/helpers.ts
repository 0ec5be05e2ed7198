/** Shared helpers of the language tests. */
import test from 'ava';
import { fastPathFailures, lastFastPathFailure, parse } from '../../language/parse.js';
import { toSExpression } from '../../language/sexpr.js';

/** The s-expression of `text`, failing loudly if it has diagnostics. */
export function sexprOf(text: string): string {
  const r = parse(text, 'test.sf');
  if (r.diagnostics.length > 0) {
    throw new Error(`unexpected diagnostics: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  }
  return toSExpression(r.ast);
}

/** Diagnostics of `text` as `code line:col message` strings. */
export function diagnosticsOf(text: string): string[] {
  const r = parse(text, 'test.sf');
  return r.diagnostics.map((d) => {
    const pos = d.span ? r.source.position(d.span.start) : { line: 0, column: 0 };
    return `${d.code} ${pos.line}:${pos.column} ${d.message}`;
  });
}

/** Builds the expected text from lines, so tests read like the output. */
export function lines(...ls: string[]): string {
  return ls.join('\n') + '\n';
}

/**
 * Registers a hook, run after every test of the calling file, that fails when the fast
 * path of `parse` failed unexpectedly in this process: `parse` hides such a defect from
 * users by falling back to chevrotain, so tests are where it must show.
 */
export function failOnFastPathFailures(): void {
  test.after('the fast path of parse() never failed unexpectedly', (t) => {
    const last = lastFastPathFailure();
    const detail = last ? `; the last in ${last.file}: ${last.error instanceof Error ? last.error.stack : String(last.error)}` : '';
    t.is(fastPathFailures(), 0, `unexpected fast-path failures${detail}`);
  });
}
