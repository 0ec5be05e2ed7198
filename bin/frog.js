#!/usr/bin/env node
// The `frog` command. `npm install` builds the TypeScript sources (the `prepare` script),
// among them the command bundled into dist/bundle/frog.js and the chunks it loads as a
// command needs them (bin/bundle.mjs); this runs that bundle when it is at least as new as
// every source file, and otherwise runs the sources themselves through tsx, so a checkout
// always runs what is checked out, with or without a build.
//
// A CommonJS script (bin/package.json): an ES module entry costs a few milliseconds more to start,
// and the light commands never load an ES module (docs/design/startup.md).
'use strict';
const { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'bundle', 'frog.js');

function newestSource(dir, depth = 0) {
  let newest = 0;
  if (depth > 8) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path, depth + 1));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when the bundle is at least as new as each source file it was built from (inputs: that list). */
function buildIsFresh(inputsFile = 'inputs.json') {
  if (process.env.FROG_FROM_SOURCE) return false;
  const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt === undefined) return false;
  // An installed copy (a dependency, or installed globally) is not edited: its build is its own.
  if (/[\\/]node_modules[\\/]/.test(root)) return true;
  // The bundle's own list of the files it was built from (bin/bundle.mjs): one stat each.
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(root, 'dist', 'bundle', inputsFile), 'utf8'));
  } catch {
    inputs = undefined;
  }
  if (Array.isArray(inputs)) {
    const prefix = root + '/';
    return inputs.every((p) => (statSync(prefix + p, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= builtAt);
  }
  const sources = ['index.ts', 'testing.ts', 'core', 'functions', 'language', 'compiler', 'runtime', 'stdlib', 'cli'].map((p) => join(root, p));
  return sources.every((p) => !existsSync(p) || (statSync(p).isDirectory() ? newestSource(p) : statSync(p).mtimeMs) <= builtAt);
}

/**
 * The commands that run from the light bundle (bin/bundle.mjs; docs/design/startup.md): the
 * ones that work on descriptions and never load a user's component modules. No command at all
 * is `--version`, `--help` or commander's own help.
 */
const LIGHT = new Set(['parse', 'resolve', 'validate', 'compile', 'explain', 'fmt', 'completion', 'help']);
const light = join(root, 'dist', 'bundle', 'frog-light.cjs');
// V8 takes a code cache only from its own version: one per Node, the build's made by bin/bundle.mjs.
const lightCache = join(root, 'dist', 'bundle', `frog-light-${process.version}-${process.arch}.cache`);

function isLight(argv) {
  // FROG_NO_LIGHT: every command from the ES module bundle (the tests compare the two).
  if (!process.features.require_module || process.env.FROG_NO_LIGHT) return false;
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  return command === undefined || LIGHT.has(command);
}

/**
 * The light bundle, compiled with its V8 code cache when the cache is there and newer than the
 * bundle (V8 checks the cache against its version and flags, and the source only by its length).
 * Returns main, and a function that writes the cache of what this process compiled: used when
 * this Node has no cache yet, and by the build. A cache V8 rejects (node run with other V8
 * flags) is left as it is: rewriting it would make the next plain run reject it in turn.
 */
function loadLight() {
  const vm = require('node:vm');
  const { createRequire } = require('node:module');
  // esbuild writes ASCII (it escapes the rest): read as latin1, without decoding UTF-8.
  const source = readFileSync(light, 'latin1');
  let cachedData;
  const cacheAt = statSync(lightCache, { throwIfNoEntry: false })?.mtimeMs;
  if (cacheAt !== undefined && cacheAt >= statSync(light).mtimeMs) {
    try {
      cachedData = readFileSync(lightCache);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: light,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(light), module, light, dirname(light));
  const stale = cachedData === undefined;
  const writeCache = () => {
    // Written aside and renamed, so that a process never reads half a cache; an installed copy
    // that is not writable simply runs without one.
    const aside = `${lightCache}.${process.pid}`;
    try {
      writeFileSync(aside, script.createCachedData());
      renameSync(aside, lightCache);
    } catch {
      rmSync(aside, { force: true });
    }
  };
  return { main: module.exports.main, stale, writeCache };
}

/** The build's warm-up (bin/bundle.mjs): each light command once, in memory, then the cache. */
async function writeCodeCache() {
  const { main, writeCache } = loadLight();
  const dir = mkdtempSync(join(require('node:os').tmpdir(), 'frog-code-cache-'));
  try {
    const data = join(dir, 'data.sf');
    writeFileSync(data, 'sfConfig extends DATA {\n    greeting "hello";\n}\n');
    const hello = join(root, 'examples', 'hello.sf');
    const runs = [
      ['--version'], ['--help'], ['parse', data], ['parse', '--json', data],
      ['resolve', data], ['resolve', '--format', 'canonical', data], ['resolve', '--format', 'sf', data], ['resolve', '--json', data],
      ['resolve', hello], ['validate', data], ['validate', hello], ['fmt', '--check', data], ['explain', hello, 'greet:message'],
      ['compile', hello, '-o', join(dir, 'hello.json')],
    ];
    const io = { stdout: () => {}, stderr: () => {}, cwd: dir, env: {}, isTty: false };
    for (const args of runs) await main(['node', 'frog', ...args], io);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeCache();
}

async function start() {
  let main;
  let afterMain;
  if (process.argv[2] === '--frog-write-code-cache') {
    await writeCodeCache();
    return 0;
  }
  if (isLight(process.argv) && existsSync(light) && buildIsFresh('inputs-light.json')) {
    try {
      const loaded = loadLight();
      main = loaded.main;
      if (loaded.stale) afterMain = loaded.writeCache;
    } catch (e) {
      // A light bundle that does not load (a damaged file): the ES module bundle runs instead.
      if (process.env.FROG_DEBUG) process.stderr.write(`frog: the light bundle did not load: ${e instanceof Error ? e.stack : String(e)}\n`);
    }
  }
  if (!main && buildIsFresh()) {
    ({ main } = await import(pathToFileURL(built).href));
  } else if (!main) {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import(pathToFileURL(join(root, 'cli', 'main.ts')).href));
  }
  const code = await main(process.argv);
  afterMain?.();
  return code;
}

start().then((code) => {
  process.exitCode = code;
  // A command that has finished exits, even if something it ran left a timer or a socket behind
  // (a component that never finished terminating): its work and its output are done.
  setImmediate(() => process.exit(code)).unref();
});
