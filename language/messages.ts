/**
 * The one catalogue of diagnostic codes. A code never changes meaning; new codes are
 * appended. Ranges: SF1xxx syntax (language/), SF2xxx resolution (compiler/),
 * SF3xxx validation and plans (compiler/), SF4xxx run time (runtime/).
 *
 * Style guide for messages:
 * - One sentence, starting with a capital letter and ending with a full stop.
 * - Names of attributes, files, references and tokens go in backticks.
 * - Do not repeat what the code frame already shows; explanations and suggestions go in `hint`.
 * - No abbreviations.
 *
 * Placeholders are written `{name}` and filled by `message()`.
 */
import type { Diagnostic, Severity } from './diagnostics.js';
import type { Span } from './source.js';

export interface MessageEntry {
  code: string;
  /** The error kind of the language spec (`Parse`, `LinkResolution`, ...), or a runtime area. */
  kind: string;
  severity: Severity;
  text: string;
  hint?: string;
}

function entry(code: string, kind: string, text: string, hint?: string, severity: Severity = 'error'): MessageEntry {
  return { code, kind, severity, text, hint };
}

export const Messages = {
  // --- SF1xxx: syntax -------------------------------------------------------------
  UnexpectedCharacter: entry('SF1001', 'Parse', 'Unexpected character `{text}`.'),
  UnterminatedString: entry('SF1002', 'Parse', 'Unterminated string.', 'A `"` string ends on the same line; use `##...#` for text over several lines.'),
  UnterminatedComment: entry('SF1003', 'Parse', 'Unterminated block comment.', 'Close it with `*/`.'),
  UnterminatedBytes: entry('SF1004', 'Parse', 'Unterminated byte array.', 'A byte array ends with `#`.'),
  UnexpectedToken: entry('SF1005', 'Parse', 'Unexpected {found}; expected {expected}.'),
  IntegerTooLarge: entry('SF1006', 'Parse', 'The integer `{text}` does not fit in 32 bits.', 'Add the suffix `L` to make it a Long.'),
  LongTooLarge: entry('SF1007', 'Parse', 'The long `{text}` does not fit in 64 bits.'),
  MixedOperators: entry('SF1008', 'Parse', 'Operators `{first}` and `{second}` are mixed without parentheses.', 'Operators have no precedence: nest them, as in `(a + (b * c))`.'),
  BinaryOperatorArity: entry('SF1009', 'Parse', 'The operator `{op}` takes exactly two operands.', 'Nest the operations, as in `((a - b) - c)`.'),
  BadByteArray: entry('SF1010', 'Parse', 'Invalid {encoding} byte array: {reason}.'),
  BadEscape: entry('SF1011', 'Parse', 'Invalid escape `{text}`.'),
  DataAndLazy: entry('SF1012', 'Parse', '`DATA` and `LAZY` cannot both mark one reference.'),
  ConstraintVariable: entry('SF1013', 'Parse', 'Constraint variables (`VAR`) are not supported.'),
  UnexpectedEnd: entry('SF1014', 'Parse', 'Unexpected end of file; expected {expected}.'),

  // --- SF2xxx: resolution ---------------------------------------------------------
  IncludeNotFound: entry('SF2001', 'IncludeNotFound', 'Include file `{path}` not found.'),
  IncludeCycle: entry('SF2002', 'IncludeCycle', 'Cyclic include: {cycle}.'),
  IncludeUrl: entry('SF2003', 'IncludeNotFound', 'Include `{path}` is a URL; builds do not fetch from the network.', 'Download the file and add its folder with `-I`.'),
  IncludeUnreadable: entry('SF2004', 'IncludeNotFound', 'Include file `{path}` cannot be read: {reason}.'),
  IncludeParse: entry('SF2005', 'Parse', 'Parsing include file `{path}` failed.'),

  PrototypeNotFound: entry('SF2101', 'TypeResolution', 'Unresolved Reference: prototype `{ref}` of `{path}` not found ({cause}).'),
  PrototypeNotDescription: entry('SF2102', 'TypeResolution', 'Unresolved Reference: prototype `{ref}` of `{path}` is {found}, not a component description.'),
  PrototypeCycle: entry('SF2103', 'TypeResolution', 'Failed to resolve `{path} extends {ref}`: cyclic reference through {cycle}.'),
  FinalOverridden: entry('SF2104', 'TypeResolution', 'Attribute `{name}` is tagged as sfFinal, it may not be overridden: in component `{path}`.'),
  DoesNotOverride: entry('SF2105', 'TypeResolution', 'Does Not Override `{name}`: the attribute tagged sfOverride is not inherited in `{path}`.'),

  PlacementUnresolved: entry('SF2201', 'Placement', 'Unresolved placement `{name}` in `{path}`: {cause}.'),
  PlacementFinal: entry('SF2202', 'Placement', 'Attribute `{name}` is tagged as sfFinal, it may not be overridden: in component `{path}`.'),

  FunctionClassMissing: entry('SF2301', 'FunctionPhase', 'Unable to construct apply reference as sfFunctionClass is missing in `{path}`.'),
  SchemaElementNotDescription: entry('SF2302', 'FunctionPhase', 'Element `{name}` of schema `{path}` must be a ComponentDescription.'),
  UnknownPhaseAction: entry('SF2303', 'FunctionPhase', 'Unknown action `{action}` for phase `{phase}` in `{path}`.'),
  BadPhaseList: entry('SF2304', 'Phase', 'phaseList must be a primitive vector of strings.'),
  UnknownPhase: entry('SF2305', 'Phase', 'Unknown phase `{phase}`.'),

  NoSfConfig: entry('SF2401', 'NoSfConfig', 'Reference not found: `sfConfig`.', 'A description to deploy defines `sfConfig extends { ... }` at the top level.'),
  SfConfigNotDescription: entry('SF2402', 'SfConfigNotCD', 'The sfConfig attribute of a SmartFrog description must be a Component Description, found {found}.'),

  ReferenceNotFound: entry('SF2501', 'LinkResolution', 'Reference not found: `{ref}` in `{path}` (lookup stopped at `{stopped}`).'),
  ReferenceThroughValue: entry('SF2502', 'LinkResolution', 'Reference `{ref}` in `{path}` is referencing through an object which is not a SmartFrog Component (`{stopped}` is {found}).'),
  ParentOfRoot: entry('SF2503', 'LinkResolution', 'Reference not found: `{ref}` in `{path}` goes above the root with `PARENT`.'),
  CyclicReference: entry('SF2504', 'CyclicReference', 'Failed to resolve `{name} {ref}`: cyclic reference through {cycle}.'),
  StillTbd: entry('SF2505', 'LinkResolution', 'Attribute `{name}` in `{path}` is still TBD (to be defined).', 'Override it in an extending description or by placement.'),
  UnsupportedReferencePart: entry('SF2506', 'LinkResolution', 'Reference part `{part}` in `{ref}` cannot be resolved while compiling.'),

  IllegalNumeric: entry('SF2601', 'Function', 'Illegal numeric parameter `{name}` of `{fn}`: {found}.'),
  IllegalBoolean: entry('SF2602', 'Function', 'Illegal boolean parameter `{name}` of `{fn}`: {found}.'),
  MissingParameter: entry('SF2603', 'Function', 'Missing Parameter `{name}` of `{fn}`.'),
  DivisionByZero: entry('SF2604', 'Function', 'Division by zero in `{fn}`.'),
  UnknownFunction: entry('SF2605', 'Function', 'Unknown function class `{fn}`.'),
  FunctionFailed: entry('SF2606', 'Function', 'Function `{fn}` failed: {reason}.'),

  // --- SF3xxx: validation and plans ------------------------------------------------
  AssertionFailed: entry('SF3001', 'Assertion', 'assertions have failed for: [{failures}] in `{path}`.'),
  StaticAssertionLazy: entry('SF3002', 'Assertion', 'Static assertion cannot evaluate due to LAZY attributes in `{path}`.'),
  BadAssertionPhase: entry('SF3003', 'Assertion', 'Unknown sfAssertionPhase `{phase}` in `{path}`.'),
  SchemaMissing: entry('SF3101', 'Schema', 'error in schema: non-optional attribute `{name}` is missing in `{path}`.'),
  SchemaWrongClass: entry('SF3102', 'Schema', "error in schema: wrong class found for attribute '{name}' in `{path}`, expected: {expected}, found: {found}."),
  SchemaNotLazy: entry('SF3103', 'Schema', "error in schema: non-reference value found for lazy attribute '{name}' in `{path}`."),
  NoComponentClass: entry('SF3201', 'Plan', 'The eager description `{path}` has no `sfClass`.', 'Extend a component prototype such as `Prim` or `Compound`, or mark the description `DATA` if it is only data.'),
  BadPlan: entry('SF3202', 'Plan', 'Invalid deployment plan: {reason}.'),
} as const satisfies Record<string, MessageEntry>;

export type MessageName = keyof typeof Messages;

/** Fills `{name}` placeholders of a catalogue entry. */
export function formatMessage(entry: MessageEntry, args: Record<string, unknown> = {}): string {
  return entry.text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in args ? String(args[key]) : whole));
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
    ...(entry.hint && !extra.hint ? { hint: entry.hint } : {}),
    ...extra,
  };
}

/** The entry for a code, for renderers and tests. */
export function messageForCode(code: string): MessageEntry | undefined {
  return Object.values(Messages).find((m) => m.code === code);
}
