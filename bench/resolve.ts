/**
 * `npm run bench -- resolve [components]`: resolve a generated description of 10,000
 * components on 3-level prototype chains with references between them, and evaluate the
 * equivalent Jsonnet program (objects with `+:` and `super`) with Debian's `jsonnet` in the
 * same run. Prints both times, the ratio, and peak memory. Not a test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function generate(n: number): { sf: string; jsonnet: string } {
  const sf: string[] = [
    'Base extends { port 80; host "localhost"; weight 1; tags extends { tier "base"; } }',
    'Mid extends Base { weight 2; url ("http://" ++ host ++ ":" ++ port); }',
    'Leaf extends Mid { weight 3; role "leaf"; tags:zone "eu"; }',
    'sfConfig extends {',
  ];
  const js: string[] = [
    'local Base = { port: 80, host: "localhost", weight: 1, tags: { tier: "base" } };',
    'local Mid = Base + { weight: super.weight + 1, url: "http://" + self.host + ":" + self.port };',
    'local Leaf = Mid + { weight: super.weight + 1, role: "leaf", tags+: { zone: "eu" } };',
    '{',
  ];
  for (let i = 0; i < n; i++) {
    const next = (i + 1) % n;
    sf.push(`  c${i} extends Leaf { port ${1000 + i}; peer c${next}:port; name "c${i}"; }`);
    js.push(`  c${i}: Leaf + { port: ${1000 + i}, peer: $.c${next}.port, name: "c${i}" },`);
  }
  sf.push('}');
  js.push('}');
  return { sf: sf.join('\n') + '\n', jsonnet: js.join('\n') + '\n' };
}

function timeCommand(cmd: string, args: string[]): { ms: number; ok: boolean; stderr: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, ok: r.status === 0, stderr: String(r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function hasJsonnet(): boolean {
  if (spawnSync('jsonnet', ['--version']).status === 0) return true;
  process.stdout.write('jsonnet not found; trying apt-get install -y jsonnet ...\n');
  spawnSync('apt-get', ['install', '-y', 'jsonnet'], { stdio: 'ignore' });
  return spawnSync('jsonnet', ['--version']).status === 0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 10_000);
  const trials = Number(args[1] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'frog-bench-resolve-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { sf, jsonnet } = generate(n);
  writeFileSync(join(dir, 'app.sf'), sf);
  writeFileSync(join(dir, 'app.jsonnet'), jsonnet);
  process.stdout.write(`resolve: ${n} components on 3-level prototype chains, ${(sf.length / 1e6).toFixed(2)} MB of .sf\n`);

  // Both columns run the JavaScript that `npm install` builds (dist/), as users run it: build
  // it now so that a stale build does not send `frog` to the TypeScript sources.
  const built = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the TypeScript build failed');
  type Resolve = typeof import('../compiler/resolve.js');
  type Plain = typeof import('../compiler/plain-json.js');
  const { resolveFile } = (await import(pathToFileURL(join(root, 'dist', 'compiler', 'resolve.js')).href)) as Resolve;
  // The plain JSON that `frog resolve` prints by default, as the Jsonnet column prints JSON.
  const { toPlainJson } = (await import(pathToFileURL(join(root, 'dist', 'compiler', 'plain-json.js')).href)) as Plain;

  // In-process: the resolver alone, after a warm-up.
  const check = resolveFile(join(dir, 'app.sf'));
  if (!check.description) throw new Error(`the generated description does not resolve: ${check.diagnostics[0]?.message}`);
  const inProcess: number[] = [];
  for (let i = 0; i < trials; i++) {
    const t0 = process.hrtime.bigint();
    const r = resolveFile(join(dir, 'app.sf'));
    toPlainJson(r.description!);
    inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const peakMb = process.resourceUsage().maxRSS / 1024;

  // Whole commands, start-up included, as a user runs them.
  const frog: number[] = [];
  for (let i = 0; i < trials; i++) {
    const r = timeCommand(process.execPath, [join(root, 'bin', 'frog.js'), 'resolve', join(dir, 'app.sf')]);
    if (!r.ok) throw new Error(`frog resolve failed: ${r.stderr}`);
    frog.push(r.ms);
  }
  process.stdout.write(`  frog resolve (in process)   median ${median(inProcess).toFixed(0)} ms   peak RSS ${peakMb.toFixed(0)} MB\n`);
  process.stdout.write(`  frog resolve (command)      median ${median(frog).toFixed(0)} ms\n`);

  if (!hasJsonnet()) {
    process.stdout.write('  jsonnet: not available (apt-get install jsonnet failed); the baseline column is skipped\n');
    return;
  }
  const js: number[] = [];
  for (let i = 0; i < trials; i++) {
    const r = timeCommand('jsonnet', [join(dir, 'app.jsonnet')]);
    if (!r.ok) throw new Error(`jsonnet failed: ${r.stderr}`);
    js.push(r.ms);
  }
  process.stdout.write(`  jsonnet (command)           median ${median(js).toFixed(0)} ms\n`);
  process.stdout.write(`  ratio frog/jsonnet: command ${(median(frog) / median(js)).toFixed(3)}, in process ${(median(inProcess) / median(js)).toFixed(3)}   (target <= 0.1)\n`);
}
