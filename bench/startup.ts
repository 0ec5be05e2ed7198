/**
 * `npm run bench -- startup [trials]`: how long `frog` commands take on a three-line file,
 * as whole processes, against `node -e 0` in the same run (the trials interleaved, medians).
 * Runs the build first, so that `frog` runs the bundle as an installed copy does (the light
 * commands from dist/bundle/frog-light.cjs with its code cache: docs/design/startup.md). Prints each
 * command's median wall time, user + system CPU time where /usr/bin/time is there (steadier on
 * a loaded machine) and its ratio to `node -e 0`. Not a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One run of a command: wall milliseconds; with bash, the CPU milliseconds (user + system) of
 * the process and its children from bash's `times` (steadier than wall time on a loaded
 * machine); with /usr/bin/time, the peak resident memory.
 */
export function timeProcess(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { ms: number; cpuMs?: number; maxRssKb?: number; ok: boolean; stderr: string } {
  const withTime = existsSync('/usr/bin/time');
  const withBash = existsSync('/bin/bash');
  const argv = withTime ? ['/usr/bin/time', '-f', '\n@@rss %M', cmd, ...args] : [cmd, ...args];
  const started = process.hrtime.bigint();
  const r = withBash
    ? spawnSync('/bin/bash', ['-c', '"$@" >/dev/null; s=$?; echo @@times >&2; times >&2; exit $s', '_', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env, maxBuffer: 1 << 26 })
    : spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env, maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let stderr = String(r.stderr ?? '');
  let cpuMs: number | undefined;
  let maxRssKb: number | undefined;
  const t = /\n?@@times\n.*\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stderr);
  if (t) {
    cpuMs = (Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4])) * 1000;
    stderr = stderr.slice(0, t.index);
  }
  const m = /\n@@rss (\d+)\s*$/.exec(stderr);
  if (m) {
    maxRssKb = Number(m[1]);
    stderr = stderr.slice(0, m.index);
  }
  return { ms, cpuMs, maxRssKb, ok: r.status === 0, stderr: stderr + (r.error ? String(r.error) : '') };
}

export async function main(args: string[]): Promise<void> {
  const trials = Number(args[0] ?? 11);
  const dir = mkdtempSync(join(tmpdir(), 'frog-bench-startup-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'three.sf');
  writeFileSync(file, 'sfConfig extends DATA {\n    greeting "hello";\n}\n');

  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');

  const frog = join(root, 'bin', 'frog.js');
  // Every registered command that runs on a three-line file without a peer. `validate` and
  // `compile` report that a plain data sfConfig is no component (exit 1): they still run through.
  const failing = new Set(['frog validate', 'frog compile']);
  const cases: { name: string; cmd: string; args: string[] }[] = [
    { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
    { name: 'frog --version', cmd: process.execPath, args: [frog, '--version'] },
    { name: 'frog --help', cmd: process.execPath, args: [frog, '--help'] },
    { name: 'frog parse', cmd: process.execPath, args: [frog, 'parse', file] },
    { name: 'frog parse --json', cmd: process.execPath, args: [frog, 'parse', '--json', file] },
    { name: 'frog resolve', cmd: process.execPath, args: [frog, 'resolve', file] },
    { name: 'frog resolve --format canonical', cmd: process.execPath, args: [frog, 'resolve', '--format', 'canonical', file] },
    { name: 'frog resolve --format sf', cmd: process.execPath, args: [frog, 'resolve', '--format', 'sf', file] },
    { name: 'frog validate', cmd: process.execPath, args: [frog, 'validate', file] },
    { name: 'frog compile', cmd: process.execPath, args: [frog, 'compile', file, '-o', join(dir, 'three.json')] },
    { name: 'frog fmt', cmd: process.execPath, args: [frog, 'fmt', '--check', file] },
    { name: 'frog explain', cmd: process.execPath, args: [frog, 'explain', file, 'greeting'] },
    { name: 'frog completion bash', cmd: process.execPath, args: [frog, 'completion', 'bash'] },
    { name: 'frog resolve examples/hello.sf', cmd: process.execPath, args: [frog, 'resolve', join(root, 'examples', 'hello.sf')] },
  ];
  const wall = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  for (let t = 0; t < trials; t++) {
    cases.forEach((c, i) => {
      const r = timeProcess(c.cmd, c.args);
      if (!r.ok && !failing.has(c.name)) throw new Error(`${c.name} failed: ${r.stderr}`);
      wall[i].push(r.ms);
      if (r.cpuMs !== undefined) cpu[i].push(r.cpuMs);
    });
  }
  process.stdout.write(`startup: ${trials} interleaved trials, medians; a three-line file\n`);
  const base = median(wall[0]);
  const baseCpu = cpu[0].length ? median(cpu[0]) : undefined;
  cases.forEach((c, i) => {
    const w = median(wall[i]);
    const cp = cpu[i].length ? median(cpu[i]) : undefined;
    const cpuText = cp !== undefined && baseCpu ? `   cpu ${cp.toFixed(0).padStart(4)} ms (${(cp / baseCpu).toFixed(2)}×)` : '';
    process.stdout.write(`  ${c.name.padEnd(34)} wall ${w.toFixed(0).padStart(4)} ms (${(w / base).toFixed(2)}× node -e 0)${cpuText}\n`);
  });
  process.stdout.write('  target: every command on the three-line file within 1.5× of node -e 0 (CPU)\n');
  const load = (await import('node:os')).loadavg();
  process.stdout.write(`  load average ${load.map((l) => l.toFixed(1)).join(' ')}\n`);
}
