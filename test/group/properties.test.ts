/**
 * Property checks over random scenarios (bounded: a few hundred seeds, a few simulated seconds each):
 * the partition property, stable agreement, leader agreement and time-reference agreement hold at
 * every step (checked by the simulation), crashes are detected within the profile's bound and never
 * earlier than T after the last heartbeat, every healed system converges within the merge bound, and
 * delays within the slack cause no false suspicion.
 */
import test from 'ava';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { seededRandom } from '../../runtime/group/memory-network.js';
import { Simulation } from '../../runtime/group/simulation.js';

const profile = getProfile('local-test');
const bounds = boundsOf(profile);
const MARGIN = 20;

async function randomRun(seed: number): Promise<string[]> {
  const rnd = seededRandom(seed);
  const sim = new Simulation({ profile, seed, checkProperties: true, recordEvents: true });
  const problems: string[] = [];
  const n = 3 + Math.floor(rnd() * 5);
  for (let i = 1; i <= n; i++) sim.addPeer(i);
  sim.net.conditions.minDelay = 1;
  sim.net.conditions.maxDelay = 1 + Math.floor(rnd() * 30);
  sim.net.conditions.loss = rnd() < 0.5 ? 0 : 0.02;
  sim.advance(bounds.join + profile.interval);
  const steps = 2 + Math.floor(rnd() * 4);
  // No loss, partition or cut yet: a crash is then the only reason to stop hearing a peer.
  let clean = sim.net.conditions.loss === 0;
  for (let s = 0; s < steps; s++) {
    const alive = sim.alive().map((p) => p.id);
    const r = rnd();
    if (r < 0.3 && alive.length > 2) {
      const victim = alive[Math.floor(rnd() * alive.length)]!;
      const crashAt = sim.clock.now();
      sim.crash(victim);
      const survivors = alive.filter((id) => id !== victim);
      const took = sim.until(() => survivors.every((id) => !sim.snapshot(id).connectionSet.includes(victim)), bounds.detection + sim.net.conditions.maxDelay + MARGIN);
      if (took < 0) problems.push(`seed ${seed}: crash of ${victim} not detected within ${bounds.detection} ms`);
      for (const id of survivors) {
        const ev = sim.peers.get(id)!.events.find((e) => e.type === 'disconnected' && e.subject?.id === victim && e.time >= crashAt);
        if (clean && ev && ev.time - crashAt < bounds.earliestDetection - profile.interval - MARGIN) problems.push(`seed ${seed}: ${id} evicted ${victim} after ${ev.time - crashAt} ms`);
      }
    } else if (r < 0.6) {
      const shuffled = [...alive].sort(() => rnd() - 0.5);
      const cut = 1 + Math.floor(rnd() * (shuffled.length - 1));
      sim.net.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
      clean = false;
    } else if (r < 0.8 && alive.length > 1) {
      const a = alive[Math.floor(rnd() * alive.length)]!;
      const b = alive[Math.floor(rnd() * alive.length)]!;
      if (a !== b) sim.net.cut(a, b);
      clean = false;
    } else {
      const dead = [...sim.peers.values()].filter((p) => !p.alive);
      if (dead.length) sim.addPeer(dead[0]!.id);
    }
    sim.advance(Math.floor(rnd() * 2 * bounds.restabilisation), 50);
  }
  // Heal everything: the survivors converge to one stable partition within the merge bound B6
  // (refusals end once every link is two-way, a "dropped me" refusal Q after it began).
  sim.net.heal();
  sim.net.conditions.loss = 0;
  const alive = sim.alive().map((p) => p.id);
  const limit = bounds.merge + sim.net.conditions.maxDelay + MARGIN;
  if (sim.until(() => sim.stableWith(alive), limit, 20) < 0) problems.push(`seed ${seed}: no single stable view of ${alive} within ${limit} ms`);
  problems.push(...sim.violations.map((v) => `seed ${seed}: ${v}`));
  await sim.close();
  return problems;
}

for (let batch = 0; batch < 4; batch++) {
  test(`random scenarios, seeds ${batch * 50 + 1}..${batch * 50 + 50}`, async (t) => {
    const problems: string[] = [];
    for (let seed = batch * 50 + 1; seed <= batch * 50 + 50; seed++) problems.push(...(await randomRun(seed)));
    t.deepEqual(problems.slice(0, 20), []);
  });
}

test('no false suspicion while delay stays within the slack', async (t) => {
  const sim = new Simulation({ profile, seed: 99, checkProperties: true });
  sim.net.conditions.minDelay = 1;
  sim.net.conditions.maxDelay = Math.floor(bounds.slack / 2);
  sim.net.conditions.duplicate = 0.1;
  for (let i = 1; i <= 6; i++) sim.addPeer(i);
  sim.advance(60_000, 100);
  const evictions = [...sim.peers.values()].flatMap((p) => p.events.filter((e) => e.type === 'disconnected'));
  t.is(evictions.length, 0);
  t.true(sim.stableWith([1, 2, 3, 4, 5, 6]));
  t.deepEqual(sim.violations, []);
  await sim.close();
});

test('the leader rule: a stable leader had selected itself one stability interval earlier (P4)', async (t) => {
  const sim = new Simulation({ profile, seed: 5, checkProperties: true });
  for (let i = 1; i <= 5; i++) sim.addPeer(i);
  const votes = new Map<number, number[]>(); // time -> vote of each peer
  const history: { t: number; stable: boolean; leader: number; self: number }[][] = [];
  for (let i = 0; i < 400; i++) {
    if (i === 150) sim.crash(5);
    if (i === 250) sim.addPeer(5);
    sim.advance(20, 20);
    history.push(sim.alive().map((p) => ({ t: sim.clock.now(), stable: p.member.view().stable, leader: p.member.view().leader, self: p.id })));
  }
  void votes;
  const steps = Math.floor(profile.stability / 20);
  let checked = 0;
  for (let i = steps; i < history.length; i++) {
    for (const s of history[i]!) {
      if (!s.stable) continue;
      const earlier = history[i - steps]!.find((x) => x.self === s.leader);
      if (!earlier) continue;
      checked++;
      t.is(earlier.leader, s.leader, `at ${s.t} leader ${s.leader} had not selected itself ${profile.stability} ms earlier`);
    }
  }
  t.true(checked > 100);
  t.deepEqual(sim.violations, []);
  await sim.close();
});

/**
 * PM-3 over random groups: one link fails in one direction only (3..8 peers, delays up to 30 ms).
 * Every peer becomes stable with the two ends in different partitions within T + 3I + S of the cut
 * (plus two network delays and one step), and stays so; P1, P2, P3, P5 hold at every step.
 */
test('one one-way link: its ends part and every peer is stable within T + 3I + S (PM-3)', async (t) => {
  const problems: string[] = [];
  for (let seed = 1; seed <= 100; seed++) {
    const rnd = seededRandom(seed * 31 + 7);
    const sim = new Simulation({ profile, seed, checkProperties: true, recordEvents: false });
    const n = 3 + Math.floor(rnd() * 6);
    sim.net.conditions.maxDelay = 1 + Math.floor(rnd() * 30);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    for (const id of ids) sim.addPeer(id);
    if (sim.until(() => sim.stableWith(ids), bounds.join + profile.interval + MARGIN + sim.net.conditions.maxDelay) < 0) {
      problems.push(`seed ${seed}: no stable start`);
      continue;
    }
    sim.advance(Math.floor(rnd() * profile.interval), 5);
    const from = ids[Math.floor(rnd() * n)]!;
    const to = ids.filter((id) => id !== from)[Math.floor(rnd() * (n - 1))]!;
    sim.net.cut(from, to);
    const settled = (id: number) => {
      const s = sim.snapshot(id);
      return s.stable && !(s.partition.includes(from) && s.partition.includes(to));
    };
    const limit = bounds.restabilisation + 2 * sim.net.conditions.maxDelay + MARGIN;
    const done = new Set<number>();
    const start = sim.clock.now();
    while (sim.clock.now() - start <= limit && done.size < n) {
      sim.advance(5, 5);
      for (const id of ids) if (settled(id)) done.add(id);
    }
    if (done.size < n) problems.push(`seed ${seed}: cut ${from}>${to} among ${n}: ${ids.filter((id) => !done.has(id))} not stable within ${limit} ms`);
    sim.advance(bounds.restabilisation, 50);
    if (!ids.every(settled)) problems.push(`seed ${seed}: cut ${from}>${to}: the split did not hold`);
    problems.push(...sim.violations.map((v) => `seed ${seed}: ${v}`));
    await sim.close();
  }
  t.deepEqual(problems.slice(0, 20), []);
});
