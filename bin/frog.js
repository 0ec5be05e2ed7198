#!/usr/bin/env node
// The `frog` command. `npm install` builds the TypeScript sources (the `prepare` script),
// among them the command bundled into dist/bundle/frog.js and the chunks it loads as a
// command needs them (bin/bundle.mjs); this runs that bundle when it is at least as new as
// every source file, and otherwise runs the sources themselves through tsx, so a checkout
// always runs what is checked out, with or without a build.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
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

function buildIsFresh() {
  if (process.env.FROG_FROM_SOURCE) return false;
  const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs;
  if (builtAt === undefined) return false;
  // An installed copy (a dependency, or installed globally) is not edited: its build is its own.
  if (/[\\/]node_modules[\\/]/.test(root)) return true;
  // The bundle's own list of the files it was built from (bin/bundle.mjs): one stat each.
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(root, 'dist', 'bundle', 'inputs.json'), 'utf8'));
  } catch {
    inputs = undefined;
  }
  if (Array.isArray(inputs)) {
    return inputs.every((p) => (statSync(join(root, p), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= builtAt);
  }
  const sources = ['index.ts', 'testing.ts', 'core', 'functions', 'language', 'compiler', 'runtime', 'stdlib', 'cli'].map((p) => join(root, p));
  return sources.every((p) => !existsSync(p) || (statSync(p).isDirectory() ? newestSource(p) : statSync(p).mtimeMs) <= builtAt);
}

let main;
if (buildIsFresh()) {
  ({ main } = await import(pathToFileURL(built).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(pathToFileURL(join(root, 'cli', 'main.ts')).href));
}
const code = await main(process.argv);
process.exitCode = code;
// A command that has finished exits, even if something it ran left a timer or a socket behind
// (a component that never finished terminating): its work and its output are done.
setImmediate(() => process.exit(code)).unref();
