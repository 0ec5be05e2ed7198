/**
 * The public library surface of frogpond. Each stage's entry function is exported here
 * as it lands.
 */
export * from './language/index.js';
// The front end's entry points, named here so that the public surface is explicit.
export { parse, parseReference } from './language/index.js';
// The compiler's entry points.
export { resolveFile, toCanonicalJson, compile, compileFile, readPlan, serialisePlan, unparse } from './compiler/index.js';
export type { ResolveOptions, ResolveResult, DeploymentPlan, PlanNode, EncodedValue } from './compiler/index.js';
export * from './runtime/index.js';
export { createStandardRegistry, registerStandardComponents } from './stdlib/index.js';
