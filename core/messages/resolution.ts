/**
 * SF2xxx: resolution (compiler/): includes, prototypes, placement, the function phase,
 * sfConfig, references and functions. Part of the one catalogue (index.ts).
 */
import { entry, fragment, type MessageEntry } from './entry.js';

export const ResolutionMessages = {
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
  SfConfigLazyLink: entry('SF2403', 'SfConfigNotCD', 'The sfConfig attribute is the link `{ref}`, which is or reaches a LAZY reference: a lazy reference cannot be resolved to select the description to deploy.', 'Write `sfConfig` as an eager link (without `LAZY`) or as a description.'),

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
  IllegalNumericOperand: entry('SF2609', 'Function', 'Illegal numeric parameter: the {which} of `{op}` must be {kind}, found {found}.'),
  IllegalBooleanOperand: entry('SF2610', 'Function', 'Illegal boolean parameter: the {which} of `{op}` must be a Boolean, found {found}.'),

  ExplainPathNotFound: entry('SF2901', 'Explain', 'Attribute path `{target}` not found: no `{name}` in `{path}`.', 'A path starts in `sfConfig` (`web:port`, or `sfConfig:web:port`), or at the root with `ROOT:`.'),
  ExplainPathThroughValue: entry('SF2902', 'Explain', 'Attribute path `{target}` not found: `{prefix}` is {found}, not a component description.'),
  ExplainPathInvalid: entry('SF2903', 'Explain', 'Attribute path `{target}` is not a path of attribute names: {reason}.', 'Write the names from `sfConfig` separated by `:`, as in `web:port`.'),

  /** The bounds of a resolution (compiler/limits.ts, docs/design/language.md §7.9). */
  TooManyValues: entry('SF2701', 'Limit', 'Resolution built more than {max} values, its limit; it stopped while copying {what}.', 'Every `extends` copies its prototype: a prototype extended twice at every level doubles with each level, and each level of a long chain copies all the levels below it. If the description is really this large, raise the limit with `--max-values`.'),
  PrototypeChainTooDeep: entry('SF2702', 'Limit', 'The chain of prototypes is longer than {max} levels; it stopped at `{path} extends {ref}`.', 'Look for a chain of `extends` that grows without end; if it is really this long, raise the limit with `--max-depth`.'),
  CopyTooDeep: entry('SF2703', 'Limit', 'A copied description nests deeper than {max} levels; resolution stopped while copying {what}.', 'Look for a prototype that extends a copy of itself at each level; if it is really this deep, raise the limit with `--max-depth`.'),
  IncludeBinary: entry('SF2704', 'IncludeNotFound', 'Include file `{path}` is binary, not a description: {reason}.', 'Its content is not shown.'),
  IncludeNotDescription: entry('SF2705', 'IncludeNotFound', 'Include file `{path}` is not a description: its name does not end in `.sf` and it does not parse ({count}).', 'Its content is not shown. Include description files only; a description in a file with another name parses without errors.'),
} as const satisfies Record<string, MessageEntry>;
