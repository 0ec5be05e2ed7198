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
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { Span } from '../source.js';

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
  BadLong: entry('SF1016', 'Parse', 'The long `{text}` is not a whole number.', 'A Long is written with digits only, as in `100000L`; use `1e5d` for a Double.'),
  LongTooLarge: entry('SF1007', 'Parse', 'The long `{text}` does not fit in 64 bits.'),
  MixedOperators: entry('SF1008', 'Parse', 'Operators `{first}` and `{second}` are mixed without parentheses.', 'Operators have no precedence: nest them, as in `(a + (b * c))`.'),
  BinaryOperatorArity: entry('SF1009', 'Parse', 'The operator `{op}` takes exactly two operands.', 'Nest the operations, as in `((a - b) - c)`.'),
  BadByteArray: entry('SF1010', 'Parse', 'Invalid {encoding} byte array: {reason}.'),
  DataAndLazy: entry('SF1012', 'Parse', '`DATA` and `LAZY` cannot both mark one reference.'),
  ConstraintVariable: entry('SF1013', 'Parse', 'Constraint variables (`VAR`) are not supported.'),
  UnexpectedEnd: entry('SF1014', 'Parse', 'Unexpected end of file; expected {expected}.'),
  NestingTooDeep: entry('SF1015', 'Parse', 'Nesting is deeper than {max} levels.', 'Split the description into named parts and refer to them.'),

  // --- SF2xxx: resolution ---------------------------------------------------------
  IncludeNotFound: entry('SF2001', 'IncludeNotFound', 'Include file `{path}` not found.'),
  IncludeCycle: entry('SF2002', 'IncludeCycle', 'Cyclic include: {cycle}.'),
  IncludeUrl: entry('SF2003', 'IncludeNotFound', 'Include `{path}` is a URL; builds do not fetch from the network.', 'Download the file and add its folder with `-I`.'),
  IncludeUnreadable: entry('SF2004', 'IncludeNotFound', 'Include file `{path}` cannot be read: {reason}.'),
  FileUnreadable: entry('SF2006', 'IncludeNotFound', 'Cannot read `{path}`: {reason}.'),
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

  NoSfConfig: entry('SF2401', 'NoSfConfig', 'Reference not found: `sfConfig`.', 'A description to deploy defines `sfConfig extends { ... }` at the top level.'),
  SfConfigNotDescription: entry('SF2402', 'SfConfigNotCD', 'The sfConfig attribute of a SmartFrog description must be a Component Description, found {found}.'),

  ReferenceNotFound: entry('SF2501', 'LinkResolution', 'Unresolved Reference `{ref}` in `{path}`: reference not found: no `{name}` in `{stopped}`.', 'The first part of a reference is looked up in the description and then its parents; later parts only in the description reached so far.'),
  ReferenceThroughValue: entry('SF2502', 'LinkResolution', 'Unresolved Reference `{ref}` in `{path}`: referencing through an object which is not a SmartFrog Component (`{stopped}` is {found}).'),
  ParentOfRoot: entry('SF2503', 'LinkResolution', 'Unresolved Reference `{ref}` in `{path}`: reference not found, `PARENT` goes above the root.'),
  CyclicReference: entry('SF2504', 'CyclicReference', 'Failed to resolve `{name} {ref}`: cyclic reference through {cycle}.'),
  StillTbd: entry('SF2505', 'LinkResolution', 'Unresolved Reference `{name}` in `{path}`: attribute is still TBD (to be defined).', 'Override it in an extending description or by placement.'),
  ContainingDescription: entry('SF2507', 'CyclicReference', 'The link `{name} {ref}` in `{path}` refers to a description that contains it: cyclic reference.', 'Link to an attribute of that description instead, or copy it with `extends`.'),
  TooDeep: entry('SF2508', 'LinkResolution', 'The description is nested too deeply or contains itself; resolution stopped.', 'Look for a link to a description that contains the link, for example through a vector or a function.'),
  UnsupportedReferencePart: entry('SF2506', 'LinkResolution', 'Unresolved Reference `{ref}` in `{path}`: `{part}` cannot be resolved while compiling.', 'Mark the reference `LAZY` to resolve it at run time.'),

  IllegalNumeric: entry('SF2601', 'Function', 'Illegal numeric parameter `{name}` of `{fn}`: {found}.'),
  IllegalBoolean: entry('SF2602', 'Function', 'Illegal boolean parameter `{name}` of `{fn}`: {found}.'),
  MissingParameter: entry('SF2603', 'Function', 'Missing Parameter `{name}` of `{fn}`.'),
  DivisionByZero: entry('SF2604', 'Function', 'Division by zero in `{fn}`.'),
  UnknownFunction: entry('SF2605', 'Function', 'Unknown function class `{fn}`.'),
  FunctionFailed: entry('SF2606', 'Function', 'Function `{fn}` failed: {reason}.'),
  NoTextualForm: entry('SF2607', 'Function', 'A value of kind {kind} has no textual form.', 'Only numbers, strings, booleans, NULL and vectors of them can be concatenated or formatted.'),
  NoOperands: entry('SF2608', 'Function', 'Function `{fn}` needs at least one operand.'),

  // --- SF3xxx: validation and plans ------------------------------------------------
  AssertionFailed: entry('SF3001', 'Assertion', 'assertions have failed for: [{failures}] in `{path}`.'),
  StaticAssertionLazy: entry('SF3002', 'Assertion', 'Static assertion cannot evaluate due to LAZY attributes in `{path}`.'),
  BadAssertionPhase: entry('SF3003', 'Assertion', 'Unknown sfAssertionPhase `{phase}` in `{path}`.'),
  SchemaMissing: entry('SF3101', 'Schema', 'error in schema: non-optional attribute `{name}` is missing in `{path}`.'),
  SchemaWrongClass: entry('SF3102', 'Schema', "error in schema: wrong class found for attribute '{name}' in `{path}`, expected: {expected}, found: {found}."),
  SchemaNotLazy: entry('SF3103', 'Schema', "error in schema: non-reference value found for lazy attribute '{name}' in `{path}`."),
  SchemaBadBinding: entry('SF3104', 'Schema', "error in schema: binding `{binding}` of attribute '{name}' in `{path}` is not one of anyBinding, eager, lazy."),
  SchemaLazyForEager: entry('SF3105', 'Schema', "error in schema: lazy reference value found for eager attribute '{name}' in `{path}`, expected: {expected}."),
  SchemaUnknownClass: entry('SF3106', 'Schema', "error in schema: unknown class `{class}` for attribute '{name}' in `{path}`.", 'Use one of the class identifiers of predicates.sf, such as `java.lang.Integer`, or `anyClass`.'),
  SchemaBadClassParameter: entry('SF3107', 'Schema', "error in schema: the class of attribute '{name}' in `{path}` must be a String or a vector of Strings, found {found}."),
  NoComponentClass: entry('SF3201', 'Plan', 'The eager description `{path}` has no `sfClass`.', 'Extend a component prototype such as `Prim` or `Compound`, or mark the description `DATA` if it is only data.'),
  // SF3202 (`Invalid deployment plan: {reason}.`) was never emitted and is withdrawn: a plan
  // file that is not a valid plan is SF4011. Its number is not reused.

  // --- SF4xxx: run time (runtime/, stdlib/) -------------------------------------------
  UnknownComponentType: entry('SF4001', 'Deploy', 'Unknown component type `{type}` for `{path}`.', 'Use a standard component such as `Compound`, `Sequence` or `Exec` (include `/frog/components.sf`), or a module written as `"./file.js#ExportName"`.'),
  ComponentModuleLoad: entry('SF4002', 'Deploy', 'Component module `{module}` for `{path}` cannot be loaded: {reason}.'),
  ComponentModuleExport: entry('SF4003', 'Deploy', 'Component module `{module}` has no component class `{export}` (for `{path}`).', 'Export a class that extends `Prim` under that name.'),
  BadAttribute: entry('SF4004', 'Attribute', 'Attribute `{name}` of `{path}` must be {expected}, found {found}.'),
  MissingAttribute: entry('SF4005', 'Attribute', 'Attribute `{name}` is missing in `{path}`.'),
  RuntimeReference: entry('SF4006', 'LinkResolution', 'Reference `{ref}` in `{path}` cannot be resolved at run time: {reason}.'),
  RuntimeFunction: entry('SF4007', 'Function', 'Lazy function `{fn}` in `{path}` failed: {reason}.'),
  RuntimeAssertion: entry('SF4008', 'Assertion', 'Lazy assertion `{name}` failed in `{path}`.'),
  LivenessFailure: entry('SF4009', 'Liveness', 'Component `{path}` did not answer a liveness ping within {seconds} s.'),
  ParentUnreachable: entry('SF4010', 'Liveness', 'Component `{path}` has not been pinged by its parent for {seconds} s; the parent is presumed dead.'),
  BadPlanFile: entry('SF4011', 'Deploy', 'The plan file `{file}` cannot be read: {reason}.'),
  DeployFailed: entry('SF4012', 'Deploy', 'Deploying `{path}` failed: {reason}.'),

  // --- SF43xx: control API (runtime/control/) --------------------------------------
  ControlNoOperation: entry('SF4301', 'Control', 'No operation at `{what}`.'),
  ControlTooLarge: entry('SF4302', 'Control', 'The request body is larger than {max} bytes.'),
  ControlUnsigned: entry('SF4303', 'Control', 'The request is not signed with the group key.'),
  ControlBadSignature: entry('SF4304', 'Control', 'The request signature does not match: wrong group key or altered request.'),
  ControlStale: entry('SF4305', 'Control', 'The request timestamp is too far from the peer clock.', 'Check that the clocks of the two machines agree within 30 seconds.'),
  ControlReplay: entry('SF4306', 'Control', 'The request was already received (replayed nonce).'),
  ControlBadBody: entry('SF4307', 'Control', 'The request body is not valid {format}.'),
  ControlFailed: entry('SF4308', 'Control', 'The operation failed: {reason}.'),
  ControlBadAnswer: entry('SF4309', 'Control', 'The answer from `{peer}` is not readable: {reason}.'),
  ControlUnsignedAnswer: entry('SF4310', 'Control', 'The answer from `{peer}` is not signed with our group key.', 'The peer belongs to another group, or something else listens on that address.'),
  ControlUnreachable: entry('SF4311', 'Control', 'Cannot reach the peer at `{peer}`: {reason}.', 'Start one with `frog peer`, or name another with `--peer ADDR:PORT`.'),
  ControlWrongTarget: entry('SF4312', 'Control', 'The request was signed for another peer (`{signed}`), not for this one (`{here}`).', 'Name the peer by an address that reaches it directly: behind NAT or a port-forwarding proxy the signed address must be the peer\'s own address.'),
  ControlBeforeStart: entry('SF4313', 'Control', 'The request was signed before this peer started: a replay to its previous run, or a clock behind the peer clock.', 'Check that the clocks of the two machines agree, then send the request again.'),

  // --- SF46xx: the state space as components see it (runtime/state-access.ts, stdlib/state/) ---
  NoStateSpace: entry('SF4601', 'State', 'Component `{path}` needs the state space, but its host has none.', 'Run it with `frog run` or on a peer started with `frog peer`.'),
  BadStateName: entry('SF4602', 'State', 'The state name `{name}` is not valid: {reason}.', 'A state name is a non-empty String of at most 1024 characters, such as `service/web`.'),
  BadStateValue: entry('SF4603', 'State', 'The value for the state name `{name}` cannot be published: {reason}.'),
  StateWithdrawn: entry('SF4604', 'State', 'The state `{name}` was withdrawn and cannot be updated.'),
  TooFewProviders: entry('SF4605', 'State', 'Only {count} of the {minimum} providers of `{name}` needed by `{path}` appeared within {timeout} ms.'),

  // --- SF44xx: distributed deployment (runtime/peer.ts, runtime/placement.ts) --------
  PlacementTimeout: entry('SF4401', 'Placement', 'Peer `{peer}` for `{path}` did not appear in the group within {seconds} s.', 'Start `frog peer --name {peer}` in the same group (same `--group` and key), or change `sfProcessHost`.'),
  RemotePeerLost: entry('SF4402', 'Placement', 'Peer `{peer}` running `{path}` is no longer in the group: {reason}.'),
  UnknownSubtree: entry('SF4403', 'Placement', 'Peer `{peer}` runs no live `{path}` of application `{app}` with instance `{instance}`.'),
  SubtreeFenced: entry('SF4404', 'Placement', 'The subtree `{path}` (instance `{instance}`) was {verdict} by its parent on peer `{peer}`; this copy terminates.'),
  UnknownApplication: entry('SF4405', 'Control', 'No application named `{app}` runs on any peer of the group.', 'List the applications with `frog status`.'),
  BadApplicationName: entry('SF4406', 'Control', 'The application name `{name}` is not valid: use 1 to 64 letters, digits, `_`, `.` or `-`.'),
  ApplicationExists: entry('SF4407', 'Control', 'An application named `{name}` already runs on peer `{peer}`.', 'Choose another name with `--name`, or terminate it first with `frog terminate {name}`.'),
  RemoteDeployFailed: entry('SF4408', 'Placement', 'Deploying `{path}` on peer `{peer}` failed: {reason}.'),
  BadControlRequest: entry('SF4409', 'Control', 'The `{operation}` request is not valid: {reason}.'),
  RemoteReference: entry('SF4410', 'LinkResolution', 'Reference `{ref}` in `{path}` reaches `{target}` of application `{app}` on another peer, which {reason}.', 'Components on other peers are read through the state space: the value is there while the component runs and is published.'),

  // --- SF48xx: checkpoint store (runtime/store/) ------------------------------------
  StoreLocked: entry('SF4801', 'Store', 'The data directory `{dir}` is in use by another peer (process {pid}).', 'Stop that peer first, or give this one another `--data` directory.'),
  StoreIncompatible: entry('SF4802', 'Store', 'The data directory `{dir}` was written by an incompatible version: {reason}.', 'Run the frogpond version that wrote it, or move the directory aside to start with an empty store.'),
  StoreCorrupt: entry('SF4803', 'Store', 'The checkpoint store in `{dir}` is corrupt: {reason}.', 'Restore the directory from a backup, or move it aside to start with an empty store (its components will not be recovered).'),
  StoreUnavailable: entry('SF4804', 'Store', 'The data directory `{dir}` cannot be used: {reason}.', 'Check that the directory exists or can be created, and that this user may read and write it.'),
  StoreWriteFailed: entry('SF4805', 'Store', 'A checkpoint could not be written to `{dir}`: {reason}.'),
  StoreClosed: entry('SF4806', 'Store', 'The checkpoint store in `{dir}` is closed.'),
  CheckpointRejected: entry('SF4807', 'Store', 'The checkpoint of `{subject}` was rejected: {reason}.'),
  ApplicationPlanMismatch: entry('SF4808', 'Store', 'The data directory `{dir}` already holds the application `{name}` from another plan (id {stored}); this plan has id {plan}.', 'Run the same description again to recover that application, or add `--replace` to terminate it and deploy this one.'),
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
    ...(entry.hint && !extra.hint ? { hint: entry.hint } : {}),
    ...extra,
  };
}

/** The entry for a code, for renderers and tests. */
export function messageForCode(code: string): MessageEntry | undefined {
  return Object.values(Messages).find((m) => m.code === code);
}
