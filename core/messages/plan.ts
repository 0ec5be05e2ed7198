/**
 * SF3xxx: validation and plans (compiler/, and the plan's bytes in core/): assertions,
 * schemas, the plan and the canonical encoding of its values. Part of the one catalogue (index.ts).
 */
import { entry, fragment, type MessageEntry } from './entry.js';

export const PlanMessages = {
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
  SchemaNotAllowed: entry('SF3108', 'Schema', "error in schema: attribute '{name}' in `{path}` is {found}, which is not one of: {allowed}."),
  SchemaOutOfRange: entry('SF3109', 'Schema', "error in schema: attribute '{name}' in `{path}` is {found}; it must be {range}."),
  SchemaBadParameter: entry('SF3110', 'Schema', "error in schema: the `{parameter}` of attribute '{name}' in `{path}` must be {expected}, found {found}."),
  UnknownAttribute: entry(
    'SF3111',
    'Schema',
    "`{path}` ({component}) has no attribute '{name}'.",
    'The component does not read it. If it is meant (data for a template or a reference), list it in the schema: `sfPrimSchema:{name} extends Optional;`.',
    'warning',
  ),
  RootIsData: entry('SF3206', 'Plan', '`sfConfig` is data (`DATA`), but the root of an application must be a component.', 'Write `sfConfig extends Compound { ... }` (or another component prototype); data can live inside it as `settings extends DATA { ... }`.'),
  NoComponentClass: entry('SF3201', 'Plan', 'The eager description `{path}` has no `sfClass`.', 'Extend a component prototype such as `Prim` or `Compound`, or mark the description `DATA` if it is only data.'),
  // SF3202 (`Invalid deployment plan: {reason}.`) was never emitted and is withdrawn: a plan
  // file that is not a valid plan is SF4011. Its number is not reused.

  /** The check of a plan's bytes (core/plan-format.ts, PlanFormatError); a plan file reports it inside SF4011. */
  PlanInvalid: entry('SF3203', 'Plan', 'Invalid deployment plan: {reason}.'),
  /** A value without a canonical encoding, or canonical data that is not valid (core/canonical.ts, CanonicalError). */
  NotCanonical: fragment('SF3204', 'Canonical', '{reason}'),
  /** As SF3204, saying where in the data (`$cd[2][1]`). */
  NotCanonicalAt: fragment('SF3205', 'Canonical', '{reason} (at {where})'),
} as const satisfies Record<string, MessageEntry>;
