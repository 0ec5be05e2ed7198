/**
 * The two predicate functions (docs/design/language.md §11): CheckAssertions, which every Assertions
 * description and every Schema applies, and CheckSchemaElement, one per schema entry. The
 * resolver looks the checked attribute up (`PARENT:name` from the schema body) and fills in
 * the `path` of the messages; these functions only decide.
 */
import { Messages, type MessageEntry } from '../core/messages/index.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, type Value } from '../core/values.js';
import { FUNCTION_PREFIX, describeValue } from './context.js';
import { isNum } from './numeric.js';
import { closestName } from '../core/suggest.js';

export const CHECK_ASSERTIONS = `${FUNCTION_PREFIX}CheckAssertions`;
export const CHECK_SCHEMA_ELEMENT = `${FUNCTION_PREFIX}CheckSchemaElement`;

/**
 * Every operand whose name does not start with `sf` must be `true`. Failures read
 * `name: evaluates to false` or `name: has non-boolean value <kind and value>`, in operand order.
 */
export function checkAssertions(operands: [string, Value][]): { failures: string[] } {
  const failures: string[] = [];
  for (const [name, value] of operands) {
    if (name.startsWith('sf')) continue;
    if (value === false) failures.push(`${name}: evaluates to false`);
    else if (value !== true) failures.push(`${name}: has non-boolean value ${describeValue(value)}`);
  }
  return { failures };
}

const CD_CLASSES = [
  'org.smartfrog.sfcore.componentdescription.ComponentDescription',
  'org.smartfrog.sfcore.componentdescription.ComponentDescriptionImpl',
  'org.smartfrog.sfcore.languages.sf.sfcomponentdescription.SFComponentDescription',
  'org.smartfrog.sfcore.languages.sf.sfcomponentdescription.SFComponentDescriptionImpl',
];
const REFERENCE = 'org.smartfrog.sfcore.languages.sf.sfreference.SFReference';
const APPLY_REFERENCE = 'org.smartfrog.sfcore.languages.sf.sfreference.SFApplyReference';
const NULL_CLASS = 'org.smartfrog.sfcore.common.SFNull';

type ClassTest = (v: Value) => boolean;

/**
 * SmartFrog's class identifiers (docs/design/language.md §11.2, Appendix A) as tests on our values. A
 * Java superclass accepts what its subclasses do: `java.lang.Number` any number,
 * `…reference.Reference` and `SFReference` references and functions, `SFApplyReference`
 * functions only.
 */
const CLASS_TESTS = new Map<string, ClassTest>([
  ['java.lang.Object', () => true],
  ['java.lang.Integer', (v) => typeof v === 'number'],
  ['java.lang.Long', (v) => typeof v === 'bigint'],
  ['java.lang.Float', (v) => v instanceof SfFloat],
  ['java.lang.Double', (v) => v instanceof SfDouble],
  ['java.lang.Number', (v) => isNum(v)],
  ['java.lang.String', (v) => typeof v === 'string'],
  ['java.net.InetAddress', (v) => typeof v === 'string'],
  ['java.lang.Boolean', (v) => typeof v === 'boolean'],
  ['java.util.Vector', (v) => Array.isArray(v)],
  ['java.util.List', (v) => Array.isArray(v)],
  ['java.util.Collection', (v) => Array.isArray(v)],
  ['[B', (v) => v instanceof Uint8Array],
  ['byte[]', (v) => v instanceof Uint8Array],
  ...CD_CLASSES.map((c): [string, ClassTest] => [c, (v) => v instanceof Description]),
  ['org.smartfrog.sfcore.reference.Reference', (v) => v instanceof Ref || v instanceof Applied],
  [REFERENCE, (v) => v instanceof Ref || v instanceof Applied],
  [APPLY_REFERENCE, (v) => v instanceof Applied],
  [NULL_CLASS, (v) => v === null],
]);

/**
 * A class identifier as messages show it: the kind of value it accepts (`Integer`, `Vector`,
 * `ComponentDescription`), not the Java name; an identifier we do not know, as written.
 */
function className(identifier: string): string {
  if (identifier === '[B' || identifier === 'byte[]') return 'Bytes';
  if (identifier === NULL_CLASS) return 'NULL';
  if (identifier === APPLY_REFERENCE) return 'Function';
  if (identifier === REFERENCE || identifier.endsWith('.Reference')) return 'Reference';
  if (CD_CLASSES.includes(identifier)) return 'ComponentDescription';
  if (identifier === 'java.lang.Object' || identifier === 'anyClass') return 'anything';
  return CLASS_TESTS.has(identifier) ? identifier.slice(identifier.lastIndexOf('.') + 1) : identifier;
}

/** The SmartFrog class identifier of a value's kind, as schema messages name what they found. */
export function javaClassOf(v: Value): string {
  if (v === null) return NULL_CLASS;
  if (v === TBD) return 'TBD';
  switch (typeof v) {
    case 'number': return 'java.lang.Integer';
    case 'bigint': return 'java.lang.Long';
    case 'string': return 'java.lang.String';
    case 'boolean': return 'java.lang.Boolean';
  }
  if (v instanceof SfFloat) return 'java.lang.Float';
  if (v instanceof SfDouble) return 'java.lang.Double';
  if (Array.isArray(v)) return 'java.util.Vector';
  if (v instanceof Uint8Array) return 'byte[]';
  if (v instanceof Description) return CD_CLASSES[0];
  if (v instanceof Applied) return APPLY_REFERENCE;
  return REFERENCE;
}

export interface SchemaElementParams {
  /** The attribute checked, in the described description. */
  name: string;
  optional: boolean;
  /** `anyBinding`, `eager` or `lazy`. */
  binding: string;
  /** The `class` parameter: one identifier or several (any one matching is enough). */
  classes: string[];
  /** The optional `description` parameter, shown beside the name in messages. */
  description?: string;
  /** frogpond's `values` parameter: the only values allowed (docs/design/language.md §11.3). */
  values?: Value[];
  /** frogpond's `min` and `max` parameters: the range a number must lie in, both ends included. */
  min?: number;
  max?: number;
}

export interface SchemaElementFound {
  /** Whether the described description has the attribute at all. */
  present: boolean;
  /** Its value when present (a lazy reference or function when `lazy`). */
  value?: Value;
  /** The value is left for run time: a LAZY reference or a lazy function. */
  lazy: boolean;
}

export interface SchemaProblem {
  code: MessageEntry;
  /** Placeholders of `code` except `path`, which the caller adds. */
  args: Record<string, unknown>;
  /**
   * Where the diagnostic points: `value` the checked attribute in the described description,
   * `described` that description (the attribute is missing), `binding` or `class` that
   * parameter of the schema element. The caller adds the schema element as a related place.
   */
  at: 'value' | 'described' | 'binding' | 'class' | 'values' | 'min' | 'max';
  /** A "did you mean" for the user. */
  hint?: string;
}

/**
 * §11.2 for one schema entry, in SmartFrog's order: the binding must be valid; an absent
 * attribute is an error unless optional; a lazy value passes when the binding is `lazy` or
 * `anyBinding`, the class is `anyClass`, or (binding `eager`) its reference class matches; a
 * value that is not lazy fails a `lazy` binding and must match one of the classes. Classes
 * are tried in order and the first match wins; an unknown identifier met before a match is
 * reported (SmartFrog's class loader would fail on it). Undefined when the entry holds.
 */
export function checkSchemaElement(params: SchemaElementParams, found: SchemaElementFound): SchemaProblem | undefined {
  const name = params.description ? `${params.name} (${params.description})` : params.name;
  const expected = params.classes.map(className).join(' or ');
  const { binding } = params;
  if (binding !== 'anyBinding' && binding !== 'eager' && binding !== 'lazy') {
    return { code: Messages.SchemaBadBinding, args: { name, binding }, at: 'binding' };
  }
  if (!found.present) {
    return params.optional ? undefined : { code: Messages.SchemaMissing, args: { name }, at: 'described' };
  }
  if (found.lazy) {
    if (binding === 'lazy' || binding === 'anyBinding' || params.classes.includes('anyClass')) return undefined;
    // The value stands for a reference whatever its run-time value (SmartFrog mocks an SFReference).
    const value = found.value instanceof Ref || found.value instanceof Applied ? found.value : new Ref([]);
    const match = matchClass(params.classes, value, name);
    if (match === true) return undefined;
    return match === false ? { code: Messages.SchemaLazyForEager, args: { name, expected }, at: 'value' } : match;
  }
  if (binding === 'lazy') return { code: Messages.SchemaNotLazy, args: { name }, at: 'value' };
  const value = found.value === undefined ? null : found.value;
  const match = matchClass(params.classes, value, name);
  if (match === false) return { code: Messages.SchemaWrongClass, args: { name, expected, found: describeValue(value) }, at: 'value' };
  if (match !== true) return match;
  return checkAllowed(params, name, value);
}

/**
 * frogpond's refinements of a schema entry (docs/design/language.md §11.3), checked once the class
 * matches: `values` lists the only values allowed, `min` and `max` bound a number.
 */
function checkAllowed(params: SchemaElementParams, name: string, value: Value): SchemaProblem | undefined {
  if (params.values && !params.values.some((allowed) => sameValue(allowed, value))) {
    const allowed = params.values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : describeValue(v))).join(', ');
    const guess = typeof value === 'string' ? closestName(value, params.values.filter((v): v is string => typeof v === 'string')) : undefined;
    return { code: Messages.SchemaNotAllowed, args: { name, found: describeValue(value), allowed }, at: 'value', hint: guess === undefined ? undefined : `Did you mean "${guess}"?` };
  }
  if ((params.min !== undefined || params.max !== undefined) && isNum(value)) {
    const n = Number(value instanceof SfFloat || value instanceof SfDouble ? value.value : value);
    if ((params.min !== undefined && n < params.min) || (params.max !== undefined && n > params.max)) {
      const range = params.max === undefined ? `at least ${params.min}` : params.min === undefined ? `at most ${params.max}` : `from ${params.min} to ${params.max}`;
      return { code: Messages.SchemaOutOfRange, args: { name, found: describeValue(value), range }, at: 'value' };
    }
  }
  return undefined;
}

function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return BigInt(a) === BigInt(b);
  return false;
}

/** The numeric bound of a `min` or `max` parameter, or a description of what is wrong with it. */
export function schemaBound(v: Value | undefined): number | undefined | { bad: string } {
  if (v === undefined) return undefined;
  if (isNum(v)) return Number(v instanceof SfFloat || v instanceof SfDouble ? v.value : v);
  return { bad: describeValue(v) };
}

/**
 * What is wrong with the `class` parameter of a schema element (§11.2: a String or a vector of
 * Strings), as a message shows what was found; undefined when it is fine. A reference or a
 * function is left to be checked once resolved, and so is TBD, which a template may keep.
 */
export function badClassParameter(v: Value | undefined): string | undefined {
  if (v === undefined || typeof v === 'string' || v instanceof Ref || v instanceof Applied || v === TBD) return undefined;
  if (Array.isArray(v)) {
    const bad = v.find((item) => typeof item !== 'string' && !(item instanceof Ref) && !(item instanceof Applied));
    return bad === undefined ? undefined : `a vector holding ${describeValue(bad)}`;
  }
  return describeValue(v);
}

/**
 * The classes a `class` parameter names (one identifier or several; `anyClass` when absent),
 * or the SF3107 problem of a parameter that is neither a String nor a vector of Strings.
 */
export function schemaClasses(name: string, v: Value | undefined): string[] | SchemaProblem {
  const found = badClassParameter(v);
  if (found !== undefined) return { code: Messages.SchemaBadClassParameter, args: { name, found }, at: 'class' };
  if (v === undefined) return ['anyClass'];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function matchClass(classes: string[], value: Value, name: string): boolean | SchemaProblem {
  for (const identifier of classes) {
    if (identifier === 'anyClass') return true;
    const test = CLASS_TESTS.get(identifier);
    if (!test) return { code: Messages.SchemaUnknownClass, args: { name, class: identifier }, at: 'class' };
    if (test(value)) return true;
  }
  return false;
}
