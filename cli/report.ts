/** Diagnostics to stderr, for every command (kept apart from plans.ts, which loads the plan builder). */
import type { Diagnostic } from '../core/diagnostics.js';
import { renderDiagnostics } from '../core/render.js';
import type { SourceFile } from '../core/source.js';
import { libraryDisplayPath } from '../compiler/includes.js';
import type { Io } from './io.js';

/** Prints diagnostics to stderr; true when any is an error. */
export function reportDiagnostics(diagnostics: Diagnostic[], sources: Map<string, SourceFile>, io: Io): boolean {
  if (diagnostics.length) {
    io.stderr(renderDiagnostics(diagnostics, (f) => sources.get(f), { cwd: io.cwd, color: io.isTty && !io.env.NO_COLOR, displayPath: libraryDisplayPath }));
  }
  return diagnostics.some((d) => d.severity === 'error');
}
