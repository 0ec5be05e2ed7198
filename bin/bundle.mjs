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

// The source files the bundle was built from, for bin/frog.js's check that the bundle is at least
// as new as each of them (a file that none of them imports cannot change what the bundle does).
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules') && !p.includes(':'));
writeFileSync(join(outdir, 'inputs.json'), JSON.stringify(inputs) + '\n');
