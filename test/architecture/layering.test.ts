/**
 * The layering of the code, written once: each folder names the folders it may import from
 * (docs/design/pipeline.md §4). Every relative import of every source file (static,
 * dynamic, `export ... from`, `import type` included) is checked against it, so an arrow that
 * runs back up fails here, naming the file, the line and the rule.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Folder → the folders it may import from (besides itself). The most specific folder that
 * contains a file is its layer. `.` is the package's entry points (index.ts, testing.ts).
 */
export const LAYERS: Record<string, readonly string[]> = {
  core: [],
  functions: ['core'],
  language: ['core'],
  compiler: ['core', 'functions', 'language'],
  'runtime/group': ['core'],
  'runtime/control': ['core', 'runtime/group'],
  'runtime/state': ['core', 'functions', 'runtime/group', 'runtime/component'],
  'runtime/component': ['core', 'functions', 'runtime/state'],
  'runtime/host': ['core', 'functions', 'runtime/component', 'runtime/state'],
  'runtime/persistence': ['core', 'functions', 'runtime/component', 'runtime/host', 'runtime/state'],
  'runtime/http': ['core', 'runtime/host'],
  'runtime/peer': ['core', 'functions', 'runtime'],
  runtime: ['core', 'functions'],
  // The web view's page (browser modules, served by runtime/http): it imports only its own files and preact/htm.
  web: [],
  stdlib: ['core', 'functions', 'runtime'],
  cli: ['core', 'functions', 'language', 'compiler', 'runtime', 'stdlib'],
  '.': ['core', 'functions', 'language', 'compiler', 'runtime', 'stdlib'],
  // Tools for the repository itself (the manual's generators): not part of the package.
  tools: ['core', 'functions', 'language', 'compiler', 'runtime', 'stdlib', 'cli'],
  bench: ['core', 'functions', 'language', 'compiler', 'runtime', 'stdlib', 'cli', '.', 'test/support'],
  // The demonstrator's harness renders frames as the example does, to know their hashes.
  'test/support': ['core', 'functions', 'language', 'compiler', 'runtime', 'stdlib', 'cli', '.', 'examples'],
  test: ['core', 'functions', 'language', 'compiler', 'runtime', 'stdlib', 'cli', '.', 'test/support', 'tools'],
};

const SOURCE = /\.(ts|js|mjs|cjs)$/;
const SKIP = new Set(['node_modules', 'dist', '.git', 'examples', 'docs', 'library', 'bin']);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

/** The layer of a file: the longest key of LAYERS that is a folder containing it. */
export function layerOf(file: string): string | undefined {
  const dir = posix.dirname(file);
  let best: string | undefined;
  for (const layer of Object.keys(LAYERS)) {
    const inside = layer === '.' ? dir === '.' : dir === layer || dir.startsWith(layer + '/');
    if (inside && (best === undefined || best === '.' || layer.length > best.length)) best = layer;
  }
  return best;
}

/** Whether `from` may import `to`: the same layer, a layer it lists, or a folder inside one. */
export function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  // A layer may use the layers nested inside it only when it lists them (runtime/index.ts
  // gathers the runtime's parts, so `runtime` may reach into `runtime/*`).
  if (from === 'runtime' && to.startsWith('runtime/')) return true;
  return LAYERS[from]!.some((l) => l === to || (l !== '.' && to.startsWith(l + '/')));
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule: string;
}

export function violations(files: readonly string[], read: (file: string) => string): Violation[] {
  const found: Violation[] = [];
  for (const file of files) {
    const from = layerOf(file);
    if (from === undefined) continue;
    const text = read(file);
    for (const m of text.matchAll(IMPORT)) {
      const target = posix.normalize(posix.join(posix.dirname(file), m[2]!));
      const to = layerOf(target.endsWith('/') ? target + 'x' : target) ?? posix.dirname(target);
      if (target.startsWith('..') || allowed(from, to)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      found.push({ file, line, specifier: m[2]!, rule: `${from} may import ${[...LAYERS[from]!].join(', ') || 'nothing else'}; not ${to}` });
    }
  }
  return found;
}

test('every import follows the layering', (t) => {
  const files = sourceFiles(root);
  t.true(files.length > 100, `found ${files.length} source files`);
  const bad = violations(files, (f) => readFileSync(join(root, f), 'utf8'));
  t.deepEqual(bad.map((v) => `${v.file}:${v.line}: ${v.specifier} (${v.rule})`), []);
});

test('every source folder has a layer', (t) => {
  const unplaced = sourceFiles(root).filter((f) => layerOf(f) === undefined);
  t.deepEqual(unplaced, []);
});

test('the check sees an arrow that runs back up, a type-only import and a dynamic import', (t) => {
  const texts: Record<string, string> = {
    'runtime/host/host.ts': "import { parse } from '../../language/parse.js';",
    'core/values.ts': "import type { Prim } from '../runtime/component/component.js';",
    'compiler/plan.ts': "const m = await import('../stdlib/index.js');",
    'language/ok.ts': "import { x } from '../core/values.js';\nexport { y } from './walk.js';",
    'runtime/component/component.ts': "import { Peer } from '../peer/peer.js';",
  };
  const bad = violations(Object.keys(texts), (f) => texts[f]!);
  t.deepEqual(
    bad.map((v) => `${v.file}:${v.line}`),
    ['runtime/host/host.ts:1', 'core/values.ts:1', 'compiler/plan.ts:1', 'runtime/component/component.ts:1'],
  );
});
