/**
 * Loading user component modules (`sfClass "./components.ts#Greeter"`). Two things make a
 * module written as the README shows work wherever it lives:
 *   - `import ... from 'frogpond'` (and `'frogpond/testing'`) is this running copy of
 *     frogpond, whether or not the user's folder has frogpond installed: one copy of every
 *     class, so `instanceof` holds;
 *   - a module and the relative modules it imports are ES modules, also in a folder with no
 *     package.json (where Node and tsx would take a `.ts` file for CommonJS), except `.js`
 *     files whose package.json declares `"type": "commonjs"`; TypeScript is
 *     compiled by tsx, one of frogpond's dependencies, registered on the first user module.
 * Both are module resolution hooks (node:module `register`, Node 20.6+), given as a data: URL
 * so that they work from the sources and from the build alike.
 */
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { BUNDLED } from '../../core/bundled.js';

const MARK = 'frog-component';

const HOOKS = `
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const MARK = ${JSON.stringify(MARK)};
let entries = {};
export function initialize(data) { entries = data.entries; }
const marked = (url) => { try { return new URL(url).searchParams.has(MARK); } catch { return false; } };
const userSource = (url) => url.startsWith('file:') && !url.includes('/node_modules/') && /\\.(m?[jt]s|tsx?)(\\?|$)/.test(url);
// A .js file whose package.json says "type": "commonjs" is CommonJS, as its author declared.
const scopes = new Map();
function declaredCommonJs(url) {
  if (!/\\.js(\\?|$)/.test(url)) return false;
  let dir = dirname(fileURLToPath(url.split('?')[0]));
  for (let i = 0; i < 64; i++) {
    if (scopes.has(dir)) return scopes.get(dir);
    let type;
    try { type = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type; } catch { type = undefined; }
    if (type !== undefined || dirname(dir) === dir) {
      const cjs = type === 'commonjs';
      scopes.set(dir, cjs);
      return cjs;
    }
    dir = dirname(dir);
  }
  return false;
}
export async function resolve(specifier, context, next) {
  if (Object.hasOwn(entries, specifier)) return { url: entries[specifier], format: 'module', shortCircuit: true };
  const r = await next(specifier, context);
  // The relative imports of a user module are user modules too.
  if (context.parentURL && marked(context.parentURL) && userSource(r.url) && !marked(r.url) && !declaredCommonJs(r.url)) {
    const u = new URL(r.url);
    u.searchParams.set(MARK, '');
    return { ...r, url: u.href };
  }
  return r;
}
export async function load(url, context, next) {
  if (!marked(url) || /\\.c[jt]s(\\?|$)/.test(url) || declaredCommonJs(url)) return next(url, context);
  const r = await next(url, { ...context, format: 'module' });
  return { ...r, format: 'module' };
}
`;

let ready: Promise<void> | undefined;

function prepareHooks(): Promise<void> {
  ready ??= (async () => {
    const register = (nodeModule as { register?: (url: string, options?: unknown) => void }).register;
    // Registered first, tsx runs last in the chain: the hooks above see a URL before it does.
    const { register: registerTsx } = await import('tsx/esm/api');
    registerTsx();
    if (typeof register !== 'function') return;
    // This file is runtime/host/user-modules.ts in the sources and .js in the build; the package's entry is two folders up.
    // In the bundle (bin/bundle.mjs) this code is in a chunk, and the entries are bundled beside frog.js, sharing its chunks.
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const up = import.meta.url.includes('/chunks/') ? '../' : './';
    const entries = BUNDLED
      ? { frogpond: new URL(`${up}index.js`, import.meta.url).href, 'frogpond/testing': new URL(`${up}testing.js`, import.meta.url).href }
      : { frogpond: new URL(`../../index${ext}`, import.meta.url).href, 'frogpond/testing': new URL(`../../testing${ext}`, import.meta.url).href };
    register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { entries } });
  })();
  return ready;
}

/** Imports a user component module from an absolute file name. */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  await prepareHooks();
  return (await import(`${pathToFileURL(file).href}?${MARK}`)) as Record<string, unknown>;
}
