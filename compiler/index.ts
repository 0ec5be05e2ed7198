/** The compiler: parsed descriptions → resolved `sfConfig` → deployment plans. */
export { resolveFile, DEFAULT_PHASES, type ResolveOptions, type ResolveResult } from './resolve.js';
export { compile, compileFile, type CompileOptions, type CompileResult, type CompileFileResult } from './plan.js';
export { readPlan, serialisePlan, planId, PlanFormatError } from '../core/plan-format.js';
export { toCanonicalJson, encodeValue, decodeValue } from '../core/canonical.js';
export { unparse } from './unparse.js';
export { STDLIB_ROOT } from './includes.js';
export { Description, Ref, Applied, SfFloat, SfDouble, TBD, kindOf, type Value, type Attr } from '../core/values.js';
export { lookupFunction, FunctionError, type FunctionContext } from '../functions/index.js';
export { FUNCTION_IDS, FUNCTION_PREFIX } from '../functions/ids.js';
export * from '../core/plan-types.js';
