/**
 * The one catalogue of diagnostic codes. A code never changes meaning; new codes are
 * appended. Ranges: SF1xxx syntax (language/), SF2xxx resolution (compiler/),
 * SF3xxx validation and plans (compiler/), SF4xxx run time (runtime/).
 *
 * The entries are written in one file per area (syntax.ts, resolution.ts, plan.ts, runtime.ts,
 * control.ts, store.ts); this file merges them into `Messages`, the one registry every
 * importer uses. No code and no name may appear twice (test/architecture/codes.test.ts), and
 * no source file outside this folder writes a code literal: it names the entry instead.
 *
 * Style guide for messages:
 * - One sentence, starting with a capital letter and ending with a full stop.
 * - Names of attributes, files, references and tokens go in backticks.
 * - Do not repeat what the code frame already shows; explanations and suggestions go in `hint`.
 * - No abbreviations.
 *
 * Placeholders are written `{name}` and filled by `message()`.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { Span } from '../source.js';
import type { MessageEntry } from './entry.js';
import { ControlMessages } from './control.js';
import { PlanMessages } from './plan.js';
import { ResolutionMessages } from './resolution.js';
import { RuntimeMessages } from './runtime.js';
import { StoreMessages } from './store.js';
import { SyntaxMessages } from './syntax.js';

export type { MessageEntry } from './entry.js';

/** The areas of the catalogue, each as written in its file (the tests check them for overlaps). */
export const MessageAreas = {
  syntax: SyntaxMessages,
  resolution: ResolutionMessages,
  plan: PlanMessages,
  runtime: RuntimeMessages,
  control: ControlMessages,
  store: StoreMessages,
} as const;

export const Messages = {
  ...SyntaxMessages,
  ...ResolutionMessages,
  ...PlanMessages,
  ...RuntimeMessages,
  ...ControlMessages,
  ...StoreMessages,
} as const satisfies Record<string, MessageEntry>;

export type MessageName = keyof typeof Messages;

/**
 * Fills `{name}` placeholders of a catalogue entry. A placeholder that ends the sentence
 * (`...: {reason}.`) may be filled with a whole message that has its own full stop: the
 * template's full stop is then left out, so that no message reads `..`.
 */
export function formatMessage(entry: MessageEntry, args: Record<string, unknown> = {}): string {
  return entry.text.replace(/\{(\w+)\}(\.?)/g, (whole, key: string, stop: string) => {
    if (!(key in args)) return whole;
    const value = String(args[key]);
    return stop && value.endsWith('.') ? value : value + stop;
  });
}

/** Builds a diagnostic from a catalogue entry. */
export function diagnostic(
  entry: MessageEntry,
  args: Record<string, unknown>,
  span?: Span,
  extra: Partial<Diagnostic> = {},
): Diagnostic {
  return {
    code: entry.code,
    severity: entry.severity,
    message: formatMessage(entry, args),
    span,
    ...(entry.hint && !extra.hint ? { hint: formatMessage({ ...entry, text: entry.hint }, args) } : {}),
    ...extra,
  };
}

/** The entry for a code, for renderers and tests. */
export function messageForCode(code: string): MessageEntry | undefined {
  return Object.values(Messages).find((m) => m.code === code);
}
