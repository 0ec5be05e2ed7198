/**
 * Diagnostics are data: collected, never thrown at a user. Every diagnostic has a
 * stable code from the catalogue in `messages/` (core/messages/index.ts).
 */
import type { Span } from './source.js';

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedInformation {
  message: string;
  span?: Span;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span?: Span;
  related?: RelatedInformation[];
  hint?: string;
  /** For resolution errors: the data path of the description involved (`sfConfig:a:b`). */
  path?: string;
  /** For a component's attribute: its name in the description at `path` (to point at where it was written). */
  attribute?: string;
  /**
   * The span's file is not a description (binary, docs/design/language.md §3.8): renderers give
   * the location but never show its text.
   */
  noFrame?: boolean;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Collects diagnostics; stages pass one around instead of throwing. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): Diagnostic {
    this.items.push(d);
    return d;
  }

  error(code: string, message: string, span?: Span, extra: Partial<Diagnostic> = {}): Diagnostic {
    return this.add({ code, severity: 'error', message, span, ...extra });
  }

  get hasErrors(): boolean {
    return hasErrors(this.items);
  }
}
