/**
 * `npm run bench -- recover [components] [kills]`: recovery time and kill -9 safety.
 *
 * 1. A peer process (test/recovery/fixtures/workload-peer.ts, LMDB store, durable mode) deploys
 *    about 10,000 components and is killed with SIGKILL once all run; a new peer process on
 *    the same data directory recovers them. Figures: time from the restart (store open) until
 *    every component runs again and its checkpoints are durable (target ≤ 2 s), recover()
 *    alone, and the wall time from spawning the process; baseline measured in the same run:
 *    the same process starting on an empty data directory. The recovering process's CPU time
 *    is printed too (the machine may be shared), and the raw LMDB baseline: one range read of
 *    the same records, bytes only, measured in this process on the same data directory.
 * 2. The kill -9 run: a peer running the random workload (deploy, attribute changes, child
 *    and application terminations, four concurrent loops) is killed at random moments,
 *    `kills` times (default 100); after each kill the recovered trees are checked against
 *    the acknowledged changes (test/support/recovery-oracle.ts). Figure: changes lost (must be 0).
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { open, type Key } from 'lmdb';
import { Oracle, type Tree } from '../test/support/recovery-oracle.js';
import { removeDir, tempDir, workloadPeer } from '../test/support/recovery.js';

interface Recovered {
  lastShutdown: string;
  components: number;
  running: boolean;
  recoveredMs: number;
  recoveredCpuMs: number;
  recoveryMs: number;
  apps: Tree;
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

/**
 * The raw LMDB baseline: one range read of every record of the data directory (keys and value
 * bytes, nothing decoded), as wall and CPU time, best of three. Read-only, after the peer is gone.
 */
function rawRead(dir: string): { records: number; ms: number; cpuMs: number } {
  const env = open({ path: path.join(dir, 'woodfrog.lmdb'), maxDbs: 8, encoding: 'binary', compression: false, cache: false, readOnly: true });
  try {
    const records = env.openDB<Buffer, Key>({ name: 'records', encoding: 'binary' });
    let best = { records: 0, ms: Infinity, cpuMs: Infinity };
    for (let i = 0; i < 3; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      for (const { value } of records.getRange()) if (value.length >= 0) n++;
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (ms < best.ms) best = { records: n, ms, cpuMs: (c.user + c.system) / 1000 };
    }
    return best;
  } finally {
    void env.close();
  }
}

async function recoveryTime(total: number): Promise<void> {
  const empty = tempDir('frog-bench-recover-');
  const dir = tempDir('frog-bench-recover-');
  try {
    const t0 = performance.now();
    const base = workloadPeer(empty, 'idle');
    const baseRecovered = await base.waitFor<Recovered>((l) => l.kind === 'recovered', 60_000);
    const baseWall = performance.now() - t0;
    await base.kill('SIGKILL');

    const first = workloadPeer(dir, 'big', String(total));
    const running = await first.waitFor<{ components: number; ms: number; running: boolean }>((l) => l.kind === 'running', 600_000);
    await first.kill('SIGKILL');
    const t1 = performance.now();
    const second = workloadPeer(dir, 'big', String(total));
    const r = await second.waitFor<Recovered>((l) => l.kind === 'recovered', 120_000);
    const wall = performance.now() - t1;
    await second.kill('SIGKILL');
    const raw = rawRead(dir);
    console.log(`recovery of ${r.components} components after kill -9 (deployed in ${fmt(running.ms)}, ${running.components} components, all running: ${running.running})`);
    console.log(`  restart → all running again, durable   ${fmt(r.recoveredMs)}   (target ≤ 2000 ms; all running: ${r.running}; last shutdown: ${r.lastShutdown})`);
    console.log(`  CPU time of the recovering process     ${fmt(r.recoveredCpuMs)}   (from open until all running and durable)`);
    console.log(`  recover() alone                        ${fmt(r.recoveryMs)}`);
    console.log(`  wall time from spawning the process    ${fmt(wall)}`);
    console.log(`  baseline, empty data directory         ${fmt(baseRecovered.recoveredMs)} from open, ${fmt(baseWall)} wall`);
    console.log(`  ratio (recovered / empty), from open   ${(r.recoveredMs / Math.max(1, baseRecovered.recoveredMs)).toFixed(1)}`);
    console.log(`  raw LMDB baseline: one range read of the ${raw.records} records, bytes only, ${raw.ms.toFixed(1)} ms (${raw.cpuMs.toFixed(1)} ms CPU)`);
    console.log(`  ratio (recovered / raw LMDB read)      ${(r.recoveredMs / Math.max(0.1, raw.ms)).toFixed(0)} wall, ${(r.recoveredCpuMs / Math.max(0.1, raw.cpuMs)).toFixed(0)} CPU`);
  } finally {
    removeDir(empty);
    removeDir(dir);
  }
}

async function killRun(kills: number): Promise<void> {
  const dir = tempDir('frog-bench-kill-');
  const oracle = new Oracle();
  let seed = 987654;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let problems = 0;
  let recoveredTotal = 0;
  let notRunning = 0;
  const started = performance.now();
  try {
    for (let kill = 0; kill <= kills; kill++) {
      const peer = workloadPeer(dir, 'workload', String(kill + 1), '4');
      const r = await peer.waitFor<Recovered>((l) => l.kind === 'recovered', 120_000);
      const found = oracle.check(r.apps);
      if (found.length) {
        problems += found.length;
        console.log(`  after kill ${kill}: ${found.slice(0, 5).join('; ')}`);
      }
      if (!r.running) notRunning++;
      recoveredTotal += r.components;
      oracle.reset(r.apps);
      if (kill === kills) {
        await peer.kill('SIGKILL');
        break;
      }
      await new Promise((res) => setTimeout(res, 50 + Math.floor(rand() * 1000)));
      await peer.kill('SIGKILL');
      const start = peer.lines.findIndex((l) => (l as { kind?: string }).kind === 'recovered');
      for (const line of peer.lines.slice(start + 1)) if (typeof line === 'object' && line) oracle.apply(line as Record<string, unknown>);
      problems += peer.lines.filter((l) => (l as { kind?: string }).kind === 'error').length;
    }
  } finally {
    removeDir(dir);
  }
  console.log(`kill -9 run: ${kills} kills in ${fmt(performance.now() - started)}, ${oracle.acknowledged} acknowledged changes, ${recoveredTotal} component recoveries`);
  console.log(`  acknowledged changes lost or unrequested state found: ${problems}   (must be 0); recoveries not all running: ${notRunning}`);
}

export async function main(args: string[]): Promise<void> {
  const total = Number(args[0] ?? 10_000);
  const kills = Number(args[1] ?? 100);
  await recoveryTime(total);
  await killRun(kills);
}
