/**
 * The function registry (docs/design/language.md §10.6): built-ins under SmartFrog's identifiers
 * (Appendix A), the identifiers the operator desugarings use, and the predicate checks.
 *
 * `SWITCH` has no SmartFrog template or class; its desugaring uses the identifier
 * `org.smartfrog.sfcore.languages.sf.functions.Switch`, in the same package so that it reads
 * like the others in resolved output (see builtins.ts for its operand layout).
 */
import type { BuiltinFunction } from './context.js';
import { FUNCTION_PREFIX } from './context.js';
import { BUILTINS } from './builtins.js';

export {
  FUNCTION_PREFIX,
  FunctionError,
  describeValue,
  shortName,
  type BuiltinFunction,
  type FunctionContext,
  type FunctionState,
} from './context.js';
export { textOf, javaDoubleText, javaFloatText } from './text.js';
export { copyValue, copyDescription, valuesEqual } from './structure.js';
export { longToFloat } from './numeric.js';
export { JavaRandom, javaDateText, SET_LIMIT } from './builtins.js';
export {
  CHECK_ASSERTIONS,
  CHECK_SCHEMA_ELEMENT,
  checkAssertions,
  checkSchemaElement,
  badClassParameter,
  schemaClasses,
  schemaBound,
  javaClassOf,
  type SchemaElementParams,
  type SchemaElementFound,
  type SchemaProblem,
} from './predicates.js';

const REGISTRY = new Map<string, BuiltinFunction>(
  Object.entries(BUILTINS).map(([name, fn]) => [FUNCTION_PREFIX + name, fn]),
);

/** The built-in registered under a full identifier (`org.smartfrog...functions.Sum`), if any. */
export function lookupFunction(identifier: string): BuiltinFunction | undefined {
  return REGISTRY.get(identifier);
}

/** Every registered identifier, in registration order. */
export function builtinIdentifiers(): string[] {
  return [...REGISTRY.keys()];
}

const F = FUNCTION_PREFIX;

/**
 * The identifier each operator (and `vector`, `if`, `switch`) desugars to (docs/design/language.md §10.2,
 * Appendix A). Binary operators take `left`/`right`, `!` takes `data`, `if` takes
 * `if`/`then`/`else`; the n-ary ones take their operands in order.
 */
export const OPERATOR_FUNCTIONS: Record<string, string> = {
  '+': `${F}Sum`,
  '*': `${F}Product`,
  '++': `${F}Concatenate`,
  '<>': `${F}Append`,
  '&&': `${F}And`,
  '||': `${F}Or`,
  'x|': `${F}Xor`,
  '->': `${F}Implies`,
  '-': `${F}Minus`,
  '/': `${F}Divide`,
  '%': `${F}Mod`,
  '==': `${F}EQ`,
  '!=': `${F}NE`,
  '>=': `${F}GE`,
  '<=': `${F}LE`,
  '>': `${F}GT`,
  '<': `${F}LT`,
  '!': `${F}Not`,
  vector: `${F}Vector`,
  if: `${F}IfThenElse`,
  switch: `${F}Switch`,
};
