#!/usr/bin/env node
// Bundles the `frog` command into dist/bundle/ with the esbuild that tsx brings (part of the
// build: `npm run build`, and `prepare` on `npm install`). One file, frog.js, holds what every
// command needs (the command line and its options); what a command does is in chunks loaded
// when it runs, so `frog resolve` never reads the runtime, nor `frog run` the resolver's
// fallback parser. The packages but commander (chevrotain, lmdb, msgpackr, tsx) stay outside
// and load from node_modules as usual, only where they are used.
//
// index.js and testing.js are the package's entry points bundled beside frog.js, sharing its
// chunks: a user component module that imports `frogpond` under `frog run` gets the very
// classes the bundled runtime checks against (runtime/host/user-modules.ts).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

// Every package stays outside but commander, which every command loads: bundled, it costs no
// module resolution and no CommonJS loader at start-up. Its `require`s of node: modules need a
// `require` in the ES module output.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => name !== 'commander')
  .flatMap((name) => [name, `${name}/*`]);

/**
 * commander requires node:child_process as it loads, for subcommands that are executables of
 * their own, which `frog` has none of; loading it (with net, dgram and streams) is a good part of
 * start-up. Within commander it is a stand-in that requires the module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get(_, k) { m ??= require('node:child_process'); return m[k]; } });",
      loader: 'js',
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { frog: 'cli/main.ts', index: 'index.ts', testing: 'testing.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  banner: { js: "import { createRequire as __frogCreateRequire } from 'node:module'; const require = __frogCreateRequire(import.meta.url);" },
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  define: { FROG_BUNDLED: 'true' },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [lazyChildProcess],
  metafile: true,
});

// --- the light bundle, with its V8 code cache (docs/design/startup.md) -----------------------
//
// The commands that work on descriptions and never load a user's component modules (parse,
// resolve, validate, compile, explain, fmt, completion, --version, --help) also run from one
// CommonJS file, frog-light.cjs, that bin/frog.js compiles with vm.Script and the V8 code cache
// written beside it here: V8 then neither parses nor compiles the code it already compiled
// while the cache was made, which is most of what such a command costs over `node -e 0`
// (an ES module cannot take a code cache on Node 20). `run` and `peer` stay on the ES module
// bundle above: a user's module that imports `frogpond` must get the classes of dist/bundle/index.js.

/** The actions of the commands that never run from the light bundle: a stand-in that says so. */
const HEAVY = /[\\/]commands[\\/](run|peer|deploy|status|monitor|key)[\\/]command\.ts$/;
const heavyActions = {
  name: 'heavy-actions',
  setup(b) {
    b.onResolve({ filter: /^\.\/action\.js$/ }, (args) => (HEAVY.test(args.importer) ? { path: args.importer, namespace: 'heavy-action' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'heavy-action' }, () => ({
      contents: "throw new Error('this command does not run from the light bundle (bin/frog.js routes it to dist/bundle/frog.js)');",
      loader: 'js',
    }));
  },
};

/**
 * CommonJS has no top-level await: the one in language/chevrotain/chevrotain.ts serves a Node that
 * cannot `require` an ES module, and bin/frog.js runs the light bundle only on a Node that can.
 */
const noTopLevelAwait = {
  name: 'no-top-level-await',
  setup(b) {
    b.onLoad({ filter: /[\\/]language[\\/]chevrotain[\\/]chevrotain\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const from = 'canRequireEsm ? undefined : await load()';
      if (!text.includes(from)) throw new Error(`bin/bundle.mjs: ${args.path} no longer holds \`${from}\``);
      return { contents: text.replace(from, 'undefined'), loader: 'ts' };
    });
  },
};

/**
 * In the light bundle, the packages and node modules that only some components' code uses
 * (validate and compile load the standard library's component classes, whose modules import
 * them) are stand-ins that load the real module on first use: msgpackr alone, with its native
 * add-on, costs more than a whole `frog parse`; node:crypto and node:fs/promises are compiled
 * on first load. esbuild's CommonJS output copies an imported module's property names into an
 * object of getters (`__toESM`), so the stand-in lists the module's names (taken here, from the
 * module itself) without loading it, and each getter loads it on first read.
 */
const LAZY_IN_LIGHT = /^(msgpackr|lmdb|(node:)?(child_process|crypto|fs\/promises))$/;
const requireHere = createRequire(import.meta.url);
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    b.onResolve({ filter: LAZY_IN_LIGHT }, (args) =>
      args.namespace === 'lazy-module' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-module' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => {
      const name = JSON.stringify(args.path);
      let keys;
      try {
        keys = Object.getOwnPropertyNames(requireHere(args.path)).filter((k) => k !== '__esModule');
      } catch {
        // Not loadable here: the bundle requires it as it loads, as without the stand-in.
        return { contents: `module.exports = require(${name});`, loader: 'js' };
      }
      return {
        contents: [
          `const keys = ${JSON.stringify(keys)};`,
          'let m;',
          `const load = () => (m ??= require(${name}));`,
          'module.exports = new Proxy({}, {',
          "  get(_, k) { return k === '__esModule' ? undefined : load()[k]; },",
          '  has(_, k) { return k in load(); },',
          '  ownKeys() { return [...keys]; },',
          '  getOwnPropertyDescriptor(_, k) { return keys.includes(k) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined; },',
          '});',
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

const light = await build({
  absWorkingDir: root,
  entryPoints: ['cli/main.ts'],
  outfile: join(outdir, 'frog-light.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  // import.meta.url, for what finds files beside the bundle (the standard library, chevrotain).
  banner: { js: "const __frogImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { FROG_BUNDLED: 'true', 'import.meta.url': '__frogImportMetaUrl' },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [lazyModules, heavyActions, noTopLevelAwait],
  metafile: true,
});

// The source files the bundle was built from, for bin/frog.js's check that the bundle is at least
// as new as each of them (a file that none of them imports cannot change what the bundle does).
const inputs = [...new Set([...Object.keys(result.metafile.inputs), ...Object.keys(light.metafile.inputs)])].filter((p) => !p.includes('node_modules') && !p.includes(':'));
writeFileSync(join(outdir, 'inputs.json'), JSON.stringify(inputs) + '\n');
// The light bundle's own, fewer: a light command stats only these (bin/frog.js).
const lightInputs = Object.keys(light.metafile.inputs).filter((p) => !p.includes('node_modules') && !p.includes(':'));
writeFileSync(join(outdir, 'inputs-light.json'), JSON.stringify(lightInputs) + '\n');

// The code cache: one process runs each light command on a small description in memory
// (bin/frog.js --frog-write-code-cache), so that the cache holds the functions they compile.
const warm = spawnSync(process.execPath, [join(root, 'bin', 'frog.js'), '--frog-write-code-cache'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, FROG_FROM_SOURCE: '' } });
if (warm.status !== 0) console.warn('bin/bundle.mjs: the code cache was not written; the light bundle runs without it');

