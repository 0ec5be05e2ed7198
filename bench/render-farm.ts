/**
 * `npm run bench -- render-farm [--peers N] [--services S] [--minutes M] [--seed X] [--per-kind K] [--no-baseline] [--keep]`:
 * the dependability demonstrator (examples/render-farm/, test/support/render-farm.ts). Starts N
 * real `frog peer` processes, deploys S rendering services whose job lasts about M minutes
 * without failures, injects K failures of each kind on a seeded schedule (default: enough to
 * spread over the run), checks safety and liveness from the event logs and the rendered files,
 * and prints the table. Then runs the same job without failures, for the cost of failures.
 */
import { formatTable, runFarm, FAILURE_KINDS, type FarmOptions } from '../test/support/render-farm.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} takes a number`);
  return v;
}

export async function main(args: string[]): Promise<void> {
  const peers = Math.min(8, Math.max(4, arg(args, 'peers', 8)));
  const services = Math.max(1, Math.min(peers - 1, arg(args, 'services', 3)));
  const minutes = arg(args, 'minutes', 5);
  const seed = arg(args, 'seed', 1);
  const frameMs = 1000;
  const maxNodes = 3;
  // Workers per service ≈ min(maxNodes, peers / services): frames for about `minutes` without failures.
  const perService = Math.max(1, Math.min(maxNodes, Math.floor(peers / services)));
  const frames = Math.max(10, Math.round((minutes * 60_000 * perService) / (frameMs * 1.15)));
  const gapMs = 6000;
  const perKind = arg(args, 'per-kind', Math.max(1, Math.floor((minutes * 60_000 * 0.75) / gapMs / FAILURE_KINDS.length)));
  const base: FarmOptions = {
    peers,
    services,
    perKind,
    seed,
    frames,
    frameMs,
    maxNodes,
    gapMs,
    flakyCrashes: 3,
    limitMs: minutes * 60_000 * 3 + 120_000,
    keep: args.includes('--keep'),
    log: (line) => process.stdout.write(`  ${new Date().toISOString().slice(11, 19)} ${line}\n`),
  };
  process.stdout.write(`render-farm: ${peers} peers, ${services} services of ${frames} frames, ${perKind} of each failure kind, seed ${seed}\n`);
  const report = await runFarm(base);
  process.stdout.write(`\n${formatTable(report)}\n\n`);
  let baselineMs: number | undefined;
  if (!args.includes('--no-baseline')) {
    process.stdout.write('the same job without failures:\n');
    const baseline = await runFarm({ ...base, perKind: 0, flakyCrashes: 0, seed: seed + 1 });
    baselineMs = baseline.jobMs;
    if (baseline.safety.length || baseline.liveness.length) process.stdout.write(`failure-free run: ${[...baseline.safety, ...baseline.liveness].join('; ')}\n`);
  }
  process.stdout.write(`\n${formatTable(report, baselineMs)}\n`);
  if (report.options.keep) process.stdout.write(`logs in ${report.dir}\n`);
  for (const i of report.injections) {
    process.stdout.write(`  ${i.kind} ${i.target}${i.service ? ` (${i.service})` : ''} at +${((i.time - report.startedAt) / 1000).toFixed(1)} s: detected ${i.detectedAt ? `+${((i.detectedAt - i.time) / 1000).toFixed(2)} s by ${i.detectedBy}` : 'no'}, repaired ${i.repairedAt ? `+${((i.repairedAt - i.time) / 1000).toFixed(2)} s` : 'no'}\n`);
  }
}
