/**
 * The event stream tells every membership change a peer sees (issue 18; docs/design/pipeline.md
 * §6.2, docs/design/group.md §2.1): its own leadership, changes of the connection set with their
 * reasons (`connected`, `disconnected`), and changes of the partition (`joined`, `left`), so that
 * both sets can be rebuilt from the stream alone. On the simulated network.
 */
import test from 'ava';
import { eventRecord } from '../../runtime/group/group-member.js';
import type { GroupEvent } from '../../runtime/group/heartbeat-machine.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { Simulation, type SimPeer } from '../../runtime/group/simulation.js';
import { Provider } from '../../runtime/group/state-space.js';

const profile = getProfile('local-test');
const b = boundsOf(profile);
const MARGIN = 20;

const names = (events: GroupEvent[], type: string, since = -Infinity) => events.filter((e) => e.type === type && e.time >= since).map((e) => e.subject?.name);

/** The connection set and the partition as the peer's own events tell them. */
function replay(p: SimPeer): { connected: string[]; partition: string[] } {
  const conn = new Set<string>([p.name]);
  const part = new Set<string>([p.name]);
  for (const e of p.events) {
    const s = e.subject?.name;
    if (s === undefined) continue;
    if (e.type === 'connected') conn.add(s);
    else if (e.type === 'disconnected') conn.delete(s);
    else if (e.type === 'joined') part.add(s);
    else if (e.type === 'left') part.delete(s);
  }
  return { connected: [...conn].sort(), partition: [...part].sort() };
}

function told(sim: Simulation, p: SimPeer): { connected: string[]; partition: string[] } {
  const snap = p.member.snapshot();
  const name = (id: number) => sim.peers.get(id)!.name;
  return { connected: snap.connectionSet.map(name).sort(), partition: snap.partition.map(name).sort() };
}

test('a leader names itself; a cut shows as `disconnected` with its reason, a heal as `connected`; the stream rebuilds both sets', (t) => {
  const sim = new Simulation({ profile, seed: 7, checkProperties: true });
  for (const id of [1, 2, 3]) sim.addPeer(id);
  t.true(sim.until(() => sim.stableWith([1, 2, 3]), b.join + profile.interval + MARGIN) >= 0, 'one stable view');
  const [p1, p2, p3] = [1, 2, 3].map((id) => sim.peers.get(id)!) as [SimPeer, SimPeer, SimPeer];
  t.is(p3.member.view().leader, 3);
  for (const p of [p1, p2, p3]) t.deepEqual(names(p.events, 'leader'), ['p3'], `${p.name} reports the leader p3`);
  t.deepEqual(names(p1.events, 'connected').sort(), ['p2', 'p3']);
  t.true(p1.events.filter((e) => e.type === 'connected').every((e) => e.reason === 'heartbeat'), 'admitted on a heartbeat');

  // Cut p3 off: both sides disconnect the other on a timeout; p1 and p2 choose p2 as their leader.
  const cut = sim.clock.now();
  sim.net.partition([[1, 2], [3]]);
  t.true(sim.until(() => sim.stableWith([1, 2]) && sim.stableWith([3]), b.restabilisation + MARGIN) >= 0, 'split');
  for (const p of [p1, p2]) {
    const d = p.events.find((e) => e.type === 'disconnected' && e.time >= cut);
    t.is(d?.subject?.name, 'p3');
    t.is(d?.reason, 'timeout');
  }
  t.deepEqual(names(p3.events, 'disconnected', cut).sort(), ['p1', 'p2']);
  t.deepEqual(names(p2.events, 'leader', cut), ['p2'], 'p2, now the leader, names itself');
  t.deepEqual(names(p3.events, 'leader', cut), [], 'p3 leads still: no change to report');

  // Heal: p3 is connected again (after quiescence) and the view merges.
  sim.advance(profile.quiescence);
  const healed = sim.clock.now();
  sim.net.heal();
  t.true(sim.until(() => sim.stableWith([1, 2, 3]), b.merge + MARGIN) >= 0, 'merged');
  for (const p of [p1, p2]) {
    const c = p.events.find((e) => e.type === 'connected' && e.time >= healed);
    t.is(c?.subject?.name, 'p3');
    t.is(c?.reason, 'heartbeat');
  }
  for (const p of [p1, p2, p3]) t.deepEqual(replay(p), told(sim, p), `${p.name}'s events rebuild its connection set and partition`);
  t.deepEqual(sim.violations, []);

  // The JSON lines of `frog peer --events json`.
  const line = (e: GroupEvent | undefined) => JSON.parse(JSON.stringify(eventRecord('p1', e!)));
  t.deepEqual(line(p1.events.find((e) => e.type === 'disconnected')), { time: p1.events.find((e) => e.type === 'disconnected')!.time, peer: 'p1', event: 'disconnected', subject: 'p3', reason: 'timeout' });
  const own = p3.events.find((e) => e.type === 'leader')!;
  t.like(JSON.parse(JSON.stringify(eventRecord('p3', own))), { peer: 'p3', event: 'leader', subject: 'p3', leader: 'p3' });
  void sim.close();
});

test('a peer link that fails takes the peer out with the link failure as the reason', (t) => {
  const sim = new Simulation({ profile, seed: 3, checkProperties: true });
  for (const id of [1, 2, 3]) sim.addPeer(id);
  t.true(sim.until(() => sim.stableWith([1, 2, 3]), b.join + profile.interval + MARGIN) >= 0, 'one stable view');
  const p1 = sim.peers.get(1)!;
  // Connection attempts to an unreachable peer fail after 50 ms, well before heartbeats time out.
  sim.net.conditions.connectFailure = 50;
  const cut = sim.clock.now();
  sim.net.partition([[1, 2], [3]]);
  // p1 registers a provider with its leader p3 (at once, or once its re-registration delay J is over).
  p1.member.stateSpace.registerProvider(new Provider('svc'));
  sim.advance(profile.reregisterDelay + 100, 5);
  const d = p1.events.find((e) => e.type === 'disconnected' && e.time >= cut);
  t.is(d?.subject?.name, 'p3');
  t.is(d?.reason, 'link failure: host unreachable');
  t.true(d!.time - cut < profile.timeout, `evicted after ${d!.time - cut} ms, before any heartbeat timeout`);
  void sim.close();
});
