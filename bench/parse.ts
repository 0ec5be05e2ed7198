/**
 * Parser throughput: a generated description of about 5 MB (deep nesting, references,
 * vectors, strings, operations) parsed by `parse`, against `JSON.parse` on the same
 * data written as JSON, in the same run. Prints MB/s, lines/s, the ratio (target: at
 * least 0.25 of JSON.parse's throughput) and peak memory.
 *
 * The two are timed in alternating rounds, each after a full collection (npm run bench
 * runs node with --expose-gc), so each round starts from the small heap a fresh `frog`
 * process has, and neither pays for the other's garbage. Without the collections the
 * figures depend on which ran first and how far the heap had grown: the ratio then
 * moved between 0.13 and 0.40 from one run to the next on this machine.
 *
 * Usage: npm run bench -- parse [sizeMB=5] [rounds=9]
 */
import { parse, parseWith } from '../language/parse.js';
import { benchTexts } from '../test/support/sf-texts.js';



/** A full collection before a timed round, when node runs with --expose-gc (npm run bench does). */
function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/**
 * Times `a` and `b` in alternating rounds, each after a full collection, so that
 * neither pays for the other's garbage and both see the same machine load. Returns the
 * best and the median of each, in milliseconds.
 */
function alternate(rounds: number, a: () => void, b: () => void): { a: number[]; b: number[] } {
  const ta: number[] = [];
  const tb: number[] = [];
  const time = (run: () => void, into: number[]) => {
    collect();
    const t0 = process.hrtime.bigint();
    run();
    into.push(Number(process.hrtime.bigint() - t0) / 1e6);
  };
  for (let i = 0; i < rounds; i++) {
    time(a, ta);
    time(b, tb);
  }
  return { a: ta.sort((x, y) => x - y), b: tb.sort((x, y) => x - y) };
}

const median = (sorted: number[]): number => sorted[sorted.length >> 1];


export function main(args: string[]): void {
  const sizeMb = Number(args[0] ?? 5);
  const rounds = Math.max(1, Number(args[1] ?? 9));
  const { sfText, jsonText } = benchTexts(sizeMb);
  const sfMb = Buffer.byteLength(sfText) / 1e6;
  const jsonMb = Buffer.byteLength(jsonText) / 1e6;
  const lines = sfText.split('\n').length;

  // Warm up both, and check that the generated text is valid.
  const check = parse(sfText, 'bench.sf');
  if (check.diagnostics.length > 0) throw new Error(`generated text does not parse: ${check.diagnostics[0].message}`);
  JSON.parse(jsonText);

  const rssBefore = process.memoryUsage().rss;
  let heapPeak = 0;
  const times = alternate(
    rounds,
    () => {
      const r = parse(sfText, 'bench.sf');
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      if (r.ast.members.length === 0) throw new Error('empty parse');
    },
    () => {
      JSON.parse(jsonText);
    },
  );
  const sfMs = times.a[0];
  const jsonMs = times.b[0];
  const sfRate = sfMb / (sfMs / 1000);
  const jsonRate = jsonMb / (jsonMs / 1000);
  const medianRatio = (sfMb / median(times.a)) / (jsonMb / median(times.b));
  const maxRssMb = process.resourceUsage().maxRSS / 1024;

  const f = (n: number, d = 1) => n.toFixed(d);
  process.stdout.write(
    [
      `parse bench: ${f(sfMb, 2)} MB of .sf (${lines} lines), ${f(jsonMb, 2)} MB of equivalent JSON, ` +
        `best of ${rounds} alternating rounds${(globalThis as { gc?: unknown }).gc ? ', each after a full GC' : ''}`,
      `  frogpond parse : ${f(sfMs, 0)} ms  ${f(sfRate)} MB/s  ${f(lines / (sfMs / 1000) / 1e6, 2)} M lines/s  (median ${f(median(times.a), 0)} ms)`,
      `  JSON.parse     : ${f(jsonMs, 0)} ms  ${f(jsonRate)} MB/s  (median ${f(median(times.b), 0)} ms)`,
      `  ratio          : ${f(sfRate / jsonRate, 3)} of JSON.parse throughput, best against best (target >= 0.25); median against median ${f(medianRatio, 3)}`,
      `  memory         : peak heap seen ${f(heapPeak / 1e6, 0)} MB, max RSS ${f(maxRssMb, 0)} MB (RSS before timing ${f(rssBefore / 1e6, 0)} MB)`,
      '',
    ].join('\n'),
  );

  // `parse` takes the hand-written fast path on well-formed text; the chevrotain path is the
  // reference it falls back to for every file with an error (and for diagnostics). Its speed,
  // in the same run, so that nobody mistakes one for the other.
  const slowRounds = Math.max(1, Math.min(3, rounds));
  const slow = alternate(
    slowRounds,
    () => {
      const r = parseWith('chevrotain', sfText, 'bench.sf');
      if (!r || r.diagnostics.length) throw new Error('the chevrotain path does not accept the generated text');
    },
    () => {
      JSON.parse(jsonText);
    },
  );
  const slowRate = sfMb / (slow.a[0] / 1000);
  process.stdout.write(
    `  chevrotain path: ${f(slow.a[0], 0)} ms  ${f(slowRate)} MB/s, ${f(slowRate / (jsonMb / (slow.b[0] / 1000)), 3)} of JSON.parse (the fallback for files with errors; best of ${slowRounds})\n`,
  );
}
