/**
 * `npm run bench -- simulate [sizes...]`: simulated peers with the default profile on the memory network.
 * Prints the simulated time to one stable view, how many simulated seconds pass per real second (and
 * per CPU second, the figure to compare on a shared machine) once stable (steady state: every
 * interval means N² deliveries), and the heartbeat size at that N.
 * Targets (issue 17): ≥ 10 simulated s per real s at 1,000 peers; heartbeat ≤ 400 bytes at 1,000.
 *
 * `npm run bench -- simulate unicast [sizes...]` (default 10 100 1000): unicast-only peers
 * (`--join`, docs/design/group.md §7), all started at once from one seed. Prints the time to one
 * stable view against the bound 5I + S, the detection of a crash against T + I and the
 * restabilisation against T + 3I + S, and the traffic per peer: datagrams and bytes per second sent,
 * heartbeats and directories, during formation and in the steady state.
 */
import { loadavg } from 'node:os';
import { Bitset } from '../runtime/group/bitset.js';
import { getProfile, DEFAULT_PROFILE, boundsOf } from '../runtime/group/profiles.js';
import { Simulation } from '../runtime/group/simulation.js';
import { DEFAULT_SYSTEM_MAGIC, encodeHeartbeat, TAG_BYTES } from '../runtime/group/wire.js';

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

export async function main(args: string[]): Promise<void> {
  if (args[0] === 'unicast') return unicast(args.slice(1).map(Number));
  const sizes = args.length ? args.map(Number) : [100, 1000];
  const profile = getProfile(DEFAULT_PROFILE);
  console.log(`profile ${profile.name}: I=${profile.interval} T=${profile.timeout} S=${profile.stability}; join bound 3I+S (+I start offset) = ${boundsOf(profile).join + profile.interval} ms`);
  for (const n of sizes) {
    const sim = new Simulation({ profile, seed: 1, recordEvents: false });
    for (let i = 0; i < n; i++) sim.addPeer(i, { name: `peer-${String(i).padStart(4, '0')}` });
    const ids = Array.from({ length: n }, (_, i) => i);
    const t0 = performance.now();
    const all = () => sim.peers.get(0)!.member.view().stable && ids.every((id) => {
      const v = sim.peers.get(id)!.member.view();
      return v.stable && v.members.length === n;
    });
    const took = sim.until(all, 120_000, 100);
    const stableReal = (performance.now() - t0) / 1000;
    // Steady state: simulated seconds per real second, and per CPU second.
    const simMs = 10 * profile.interval;
    const d0 = sim.net.deliveries;
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    sim.advance(simMs, 1000);
    const real = (performance.now() - t1) / 1000;
    const cpu = cpuSeconds(c1);
    const deliveries = sim.net.deliveries - d0;
    const hb = encodeHeartbeat({
      systemMagic: DEFAULT_SYSTEM_MAGIC, nodeId: n - 1, name: `peer-${String(n - 1).padStart(4, '0')}`, epoch: Date.now(), seq: 1e9, sendTime: Date.now(),
      viewNumber: 1e6, viewTimeStamp: Date.now(), stable: true, preferred: false, candidate: { id: n - 1, epoch: Date.now() },
      view: Bitset.of(ids), heard: Bitset.of(ids), msgLinks: new Bitset(), contact: { host: '127.0.0.1', port: 40000 },
    });
    const violations = sim.violations.length;
    await sim.close();
    console.log(
      `N=${n}: stable view after ${took < 0 ? 'NOT within 120 s' : `${(took / 1000).toFixed(2)} s simulated`} (${stableReal.toFixed(1)} s real); ` +
        `steady state ${(simMs / 1000 / real).toFixed(2)} simulated s per real s, ${(simMs / 1000 / cpu).toFixed(2)} per CPU s (${deliveries} deliveries in ${real.toFixed(2)} s, ` +
        `${Math.round(deliveries / real)} per s); heartbeat ${hb.length} bytes (tag ${TAG_BYTES}); violations ${violations}; load ${loadAverage()}`,
    );
  }
}

/** The one-minute load average: the machine is shared, and figures are read against it. */
function loadAverage(): string {
  return loadavg()[0]!.toFixed(1);
}

/** Unicast-only peers from one seed: formation, a crash, and the traffic per peer (docs/design/group.md §7). */
async function unicast(sizes: number[]): Promise<void> {
  const profile = getProfile(DEFAULT_PROFILE);
  const b = boundsOf(profile);
  console.log(`profile ${profile.name}: I=${profile.interval} T=${profile.timeout} S=${profile.stability}; bounds: unicast join 5I+S = ${b.unicastJoin} ms, detection T+I = ${b.detection} ms, restabilisation T+3I+S = ${b.restabilisation} ms (+ d = 1 ms per hop)`);
  for (const n of sizes.length ? sizes : [10, 100, 1000]) {
    const sim = new Simulation({ profile, seed: 1, recordEvents: false });
    const c0 = process.cpuUsage();
    // Peer 0 is the seed; every other peer knows only its address.
    for (let i = 0; i < n; i++) sim.addPeer(i, { name: `peer-${String(i).padStart(4, '0')}`, multicast: false, join: i === 0 ? [] : [0] });
    const ids = Array.from({ length: n }, (_, i) => i);
    const stableWith = (members: number[]) => {
      const want = members.length;
      return members.every((id) => {
        const v = sim.peers.get(id)!.member.view();
        return v.stable && v.members.length === want;
      });
    };
    const directories = () => [...sim.unicast.values()].reduce((s, u) => s + u.counters.directoriesSent, 0);
    const formed = sim.until(() => stableWith(ids), 3 * b.unicastJoin, 100);
    const formDirs = directories();
    const formSent = sim.net.unicastSent;
    const formBytes = sim.net.unicastBytes;
    const within = (ms: number, bound: number) => (ms < 0 ? 'NOT within 3× the bound' : `${(ms / 1000).toFixed(2)} s (bound ${(bound / 1000).toFixed(1)} s, ${ms <= bound + 2 ? 'within' : 'OVER'})`);
    if (n >= 500) console.log(`  N=${n}: one stable view after ${within(formed, b.unicastJoin)} (${cpuSeconds(c0).toFixed(1)} CPU s so far)`);
    // Steady state: ten intervals.
    sim.advance(2 * profile.interval, 1000);
    const s0 = { sent: sim.net.unicastSent, bytes: sim.net.unicastBytes, dirs: directories() };
    const steadyMs = 10 * profile.interval;
    sim.advance(steadyMs, 1000);
    const sent = (sim.net.unicastSent - s0.sent) / n / (steadyMs / 1000);
    const bytes = (sim.net.unicastBytes - s0.bytes) / n / (steadyMs / 1000);
    const dirs = (directories() - s0.dirs) / n / (steadyMs / 1000);
    // A crash of a peer that is neither the seed nor the leader.
    const victim = n - 2;
    sim.crash(victim);
    const rest = ids.filter((id) => id !== victim);
    const detected = sim.until(() => rest.every((id) => !sim.peers.get(id)!.member.machine.snapshot().connectionSet.includes(victim)), 3 * b.detection, 100);
    const restable = detected < 0 ? -1 : detected + sim.until(() => stableWith(rest), 3 * b.restabilisation, 100);
    const cpu = cpuSeconds(c0);
    const violations = sim.violations.length;
    await sim.close();
    console.log(
      `N=${n}: one stable view after ${within(formed, b.unicastJoin)}; crash detected by all after ${within(detected, b.detection)}, stable again after ${within(restable, b.restabilisation)}; ` +
        `formation: ${(formSent / n).toFixed(0)} datagrams per peer (${(formDirs / n).toFixed(1)} of them directories), ${(formBytes / n / 1024).toFixed(1)} KiB per peer; ` +
        `steady state per peer: ${sent.toFixed(1)} datagrams/s, ${(bytes / 1024).toFixed(2)} KiB/s sent (and as much received), directories ${dirs.toFixed(2)}/s; ` +
        `violations ${violations}; ${cpu.toFixed(1)} CPU s; load ${loadAverage()}`,
    );
  }
}
