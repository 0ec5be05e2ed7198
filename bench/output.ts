/**
 * `npm run bench -- output [components=100000] [rounds=5]`: the time and size of `frog resolve`'s
 * outputs for a generated description of N components (bench/resolve.ts's shape: three-level
 * prototype chains, a reference per component), the writers against what they replaced, in
 * the same run, rounds alternated, each after a full collection:
 *   canonical, before   JSON.stringify(encodeValue(d), null, 2): an encoded object tree, then one string
 *   canonical, streamed writeCanonicalJson(d, sink): text straight from the tree, 64K-character chunks
 *   plain               the plain JSON (--format json), whole and streamed; compact (--compact)
 * Each writes to /dev/null with writeSync, as `frog resolve > file` does. Prints the median CPU
 * time (user + system), sizes, the ratios and the heap growth of each. Not a test.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFile } from '../compiler/resolve.js';
import { encodeValue } from '../core/canonical.js';
import { writeCanonicalJson } from '../core/canonical-json.js';
import { writePlainJson } from '../compiler/plain-json.js';

function generate(n: number): string {
  const sf = [
    'Base extends { port 80; host "localhost"; weight 1; tags extends { tier "base"; } }',
    'Mid extends Base { weight 2; url ("http://" ++ host ++ ":" ++ port); }',
    'Leaf extends Mid { weight 3; role "leaf"; tags:zone "eu"; }',
    'sfConfig extends {',
  ];
  for (let i = 0; i < n; i++) sf.push(`  c${i} extends Leaf { port ${1000 + i}; peer c${(i + 1) % n}:port; name "c${i}"; }`);
  sf.push('}');
  return sf.join('\n') + '\n';
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 100_000);
  const rounds = Math.max(1, Number(args[1] ?? 5));
  const dir = mkdtempSync(join(tmpdir(), 'frog-bench-output-'));
  try {
    const file = join(dir, 'app.sf');
    writeFileSync(file, generate(n));
    const t0 = process.hrtime.bigint();
    const r = resolveFile(file, { maxValues: 100_000_000 });
    const d = r.description;
    if (!d) throw new Error(`the generated description does not resolve: ${r.diagnostics[0]?.message}`);
    const resolveMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const fd = openSync('/dev/null', 'w');
    let bytes = 0;
    const sink = (chunk: string): void => {
      bytes += Buffer.byteLength(chunk);
      writeSync(fd, chunk);
    };
    const whole = (text: string): void => sink(text);
    const cases: { name: string; run: () => void }[] = [
      { name: 'canonical, before (encode + stringify)', run: () => whole(JSON.stringify(encodeValue(d), null, 2) + '\n') },
      { name: 'canonical, streamed', run: () => writeCanonicalJson(d, sink) },
      { name: 'plain, whole string', run: () => whole(writePlainJson(d)) },
      { name: 'plain, streamed', run: () => writePlainJson(d, { sink }) },
      { name: 'plain --compact, streamed', run: () => writePlainJson(d, { compact: true, sink }) },
    ];
    const ms = cases.map(() => [] as number[]);
    const size = cases.map(() => 0);
    const heap = cases.map(() => 0);
    for (let round = 0; round < rounds; round++) {
      cases.forEach((c, i) => {
        collect();
        bytes = 0;
        const before = process.memoryUsage().heapUsed;
        let peak = before;
        // CPU time, user and system: steadier than wall time on a shared machine.
        const start = process.cpuUsage();
        c.run();
        const used = process.cpuUsage(start);
        ms[i].push((used.user + used.system) / 1000);
        peak = Math.max(peak, process.memoryUsage().heapUsed);
        heap[i] = Math.max(heap[i], peak - before);
        size[i] = bytes;
      });
    }
    closeSync(fd);
    const base = median(ms[0]);
    process.stdout.write(`output: ${n} components (resolved in ${(resolveMs / 1000).toFixed(1)} s), medians of ${rounds} alternated rounds, each after a full GC; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}\n`);
    cases.forEach((c, i) => {
      const m = median(ms[i]);
      process.stdout.write(
        `  ${c.name.padEnd(40)} cpu ${m.toFixed(0).padStart(6)} ms (${(m / base).toFixed(2)}× before)  ${(size[i] / 1e6).toFixed(1).padStart(6)} MB  ${(size[i] / 1e6 / (m / 1000)).toFixed(0).padStart(4)} MB/s  heap grown ${(heap[i] / 1e6).toFixed(0)} MB (garbage included)\n`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
