// Module resolution hooks for running frog from its TypeScript sources (bin/frog.js, when the
// build is missing or older than the sources): `frogpond`, as user component modules import
// it, is the sources too, so that they and the host share one copy of every module.
const sourceIndex = new URL('../index.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'frogpond') return next(sourceIndex, context);
  return next(specifier, context);
}
