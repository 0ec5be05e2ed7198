/**
 * The state space on the simulated network (test plan §4, PM-7): discovery, updates, deregistration,
 * removal on a split and re-appearance after the merge, value size limits, stability upcalls.
 */
import test from 'ava';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { Simulation } from '../../runtime/group/simulation.js';
import { Listener, Provider, ValueTooLargeError, type ObservedValue } from '../../runtime/group/state-space.js';

const profile = getProfile('local-test');
const b = boundsOf(profile);
const M = 20;

function recorder(name: string) {
  const log: { kind: 'new' | 'remove'; v: ObservedValue; value: unknown; at: number }[] = [];
  let now = () => 0;
  const l = new Listener(name, {
    newValue: (v) => log.push({ kind: 'new', v, value: v.value, at: now() }),
    removeValue: (v) => log.push({ kind: 'remove', v, value: v.value, at: now() }),
  });
  return { l, log, setClock: (f: () => number) => (now = f) };
}

async function stableSim(n: number) {
  const sim = new Simulation({ profile, seed: 11, checkProperties: true });
  for (let i = 1; i <= n; i++) sim.addPeer(i);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  if (sim.until(() => sim.stableWith(ids), b.join + profile.interval + M) < 0) throw new Error('no stable view');
  // Past the re-registration delay, so the global register is up.
  sim.advance(profile.reregisterDelay + M);
  return sim;
}

test('discovery, updates in order and deregistration within the bounds (SP-3, SP-1, SP-6)', async (t) => {
  const sim = await stableSim(4);
  const listeners = [2, 3, 4].map((id) => {
    const r = recorder('svc');
    r.setClock(() => sim.clock.now());
    sim.peers.get(id)!.member.stateSpace.registerListener(r.l);
    return r;
  });
  const p = new Provider('svc');
  p.setValue('deployed');
  const u = sim.clock.now();
  sim.peers.get(1)!.member.stateSpace.registerProvider(p);
  t.true(sim.until(() => listeners.every((r) => r.l.size() === 1), b.discovery + M) >= 0, 'discovered within J + 3T');
  for (const r of listeners) t.true(r.log[0]!.at - u <= b.discovery + M);
  // Updates: each arrives within T, in order, in the same ObservedValue object.
  for (let i = 0; i < 20; i++) {
    p.setValue({ n: i });
    sim.advance(5, 5);
  }
  sim.advance(b.valueUpdate);
  for (const r of listeners) {
    const values = r.log.filter((e) => e.kind === 'new').map((e) => (e.value as { n?: number })?.n).filter((n) => n !== undefined);
    t.deepEqual(values, Array.from({ length: 20 }, (_, i) => i));
    t.is(new Set(r.log.map((e) => e.v)).size, 1, 'one object per provider');
    t.is([...r.l.values()][0]!.instance, p.instance);
  }
  const d = sim.clock.now();
  sim.peers.get(1)!.member.stateSpace.deregisterProvider(p);
  t.true(sim.until(() => listeners.every((r) => r.l.size() === 0), b.valueUpdate) >= 0);
  for (const r of listeners) {
    const last = r.log.at(-1)!;
    t.is(last.kind, 'remove');
    t.is(last.value, null);
    t.true(last.at - d <= b.valueUpdate);
  }
  t.deepEqual(sim.violations, []);
  await sim.close();
});

test('a split removes providers on the other side; the merge brings them back with the same instance in new objects (PM-7)', async (t) => {
  const sim = await stableSim(4);
  const providers = new Map<number, Provider>();
  for (const id of [1, 2, 3, 4]) {
    const p = new Provider('svc');
    p.setValue(`on ${id}`);
    sim.peers.get(id)!.member.stateSpace.registerProvider(p);
    providers.set(id, p);
  }
  const r = recorder('svc');
  r.setClock(() => sim.clock.now());
  sim.peers.get(1)!.member.stateSpace.registerListener(r.l);
  t.true(sim.until(() => r.l.size() === 4, b.discovery + M) >= 0, 'fan-in: all four providers (SP-2)');
  const before = new Map([...r.l.values()].map((v) => [v.instance, v]));
  const s = sim.clock.now();
  sim.net.partition([[1, 2], [3, 4]]);
  t.true(sim.until(() => r.l.size() === 2, b.detection + M) >= 0, 'removals within T + I');
  const removed = r.log.filter((e) => e.kind === 'remove');
  t.is(removed.length, 2);
  for (const e of removed) {
    t.is(e.value, null);
    t.true(e.v.time >= s && e.v.time <= s + b.detection + M, 'time is the local detection time');
  }
  sim.advance(profile.quiescence);
  const h = sim.clock.now();
  sim.net.heal();
  t.true(sim.until(() => r.l.size() === 4, b.merge + b.discovery + M) >= 0, 'back after the merge');
  t.true(sim.clock.now() - h <= b.merge + b.discovery + M);
  for (const v of r.l.values()) {
    const old = before.get(v.instance);
    t.truthy(old, 'the same instance ids');
    if (['on 3', 'on 4'].includes(v.value as string)) t.not(old, v, 'a new value object');
  }
  t.deepEqual(sim.violations, []);
  await sim.close();
});

test('a late listener and a provider registered while unstable are found (SP-4, SP-5)', async (t) => {
  const sim = await stableSim(4);
  const p = new Provider('late');
  p.setValue(1);
  sim.peers.get(2)!.member.stateSpace.registerProvider(p);
  sim.crash(4); // destabilise
  sim.advance(b.detection);
  const q = new Provider('unstable-born');
  q.setValue(2);
  sim.peers.get(3)!.member.stateSpace.registerProvider(q);
  const r1 = recorder('late');
  const r2 = recorder('unstable-born');
  sim.peers.get(1)!.member.stateSpace.registerListener(r1.l);
  sim.peers.get(1)!.member.stateSpace.registerListener(r2.l);
  t.true(sim.until(() => sim.stableWith([1, 2, 3]), b.restabilisation + M) >= 0);
  t.true(sim.until(() => r1.l.size() === 1 && r2.l.size() === 1, b.discovery + M) >= 0);
  await sim.close();
});

test('setValue over the size limit throws synchronously and sends nothing (SP-9)', (t) => {
  const p = new Provider('big', 1024);
  p.setValue('x'.repeat(1000));
  const err = t.throws(() => p.setValue('x'.repeat(1100)), { instanceOf: ValueTooLargeError });
  t.regex(err!.message, /big.*limit of 1024/);
  t.is(p.value, 'x'.repeat(1000));
});

test('stability upcalls: the current state at once, then one per change, never two alike (ST-1, ST-5)', async (t) => {
  const sim = await stableSim(3);
  const calls: [boolean, number][] = [];
  sim.peers.get(1)!.member.stateSpace.registerStability({ stability: (s, r) => calls.push([s, r]) });
  sim.advance(5);
  t.deepEqual(calls, [[true, sim.snapshot(1).timeRef]]);
  sim.crash(3);
  sim.until(() => sim.stableWith([1, 2]), b.restabilisation + M);
  sim.advance(5);
  t.is(calls.length, 3);
  t.deepEqual(calls[1], [false, -1]);
  t.is(calls[2]![0], true);
  t.is(calls[2]![1], sim.snapshot(2).timeRef, 'members agree on the time reference');
  await sim.close();
});

test('a throwing upcall does not stop the service', async (t) => {
  const sim = await stableSim(2);
  const l = new Listener('x', { newValue: () => { throw new Error('user bug'); } });
  sim.peers.get(1)!.member.stateSpace.registerListener(l);
  const p = new Provider('x');
  sim.peers.get(2)!.member.stateSpace.registerProvider(p);
  sim.advance(b.discovery);
  t.true(sim.peers.get(1)!.member.stateSpace.counters.upcallErrors >= 1);
  t.true(sim.stableWith([1, 2]));
  await sim.close();
});
