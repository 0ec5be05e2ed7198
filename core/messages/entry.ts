/**
 * The shape of one catalogue entry and the helpers the area files write entries with.
 * The entries themselves live in the area files; index.ts merges them into `Messages`.
 */
import type { Severity } from '../diagnostics.js';

export interface MessageEntry {
  code: string;
  /** The error kind of the language spec (`Parse`, `LinkResolution`, ...), or a runtime area. */
  kind: string;
  severity: Severity;
  text: string;
  hint?: string;
  /**
   * The text is not a sentence of its own: a reason that other messages embed (`malformed
   * heartbeat: ...`), or `{message}`, text written elsewhere that an error passes through
   * unchanged. The style rules for sentences do not apply to it.
   */
  fragment?: boolean;
}

export function entry(code: string, kind: string, text: string, hint?: string, severity: Severity = 'error'): MessageEntry {
  return { code, kind, severity, text, hint };
}

/** An entry whose text is a fragment (see `MessageEntry.fragment`). */
export function fragment(code: string, kind: string, text: string, hint?: string): MessageEntry {
  return { ...entry(code, kind, text, hint), fragment: true };
}
