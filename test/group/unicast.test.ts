/**
 * Groups where multicast is not routed (docs/design/group.md §7, `frog peer --join`), on the memory
 * network with multicast off for some or all peers: a group forms from one seed address, splits and
 * merges, survives a one-way link, and a mixed group (multicast and unicast) is one group, within the
 * bounds of profiles.ts (unicastJoin for a join, the multicast bounds otherwise) plus the delay.
 * The simulation checks the partition, stability, leader and time-reference properties at every step.
 * The unicast transport alone: directories are authenticated, a replayed heartbeat from another
 * address teaches nothing, addresses of members gone for long are forgotten, garbage is survived.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { GroupKey, sealDatagram } from '../../runtime/group/authenticated-transport.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { seededRandom, simUnicastAddress } from '../../runtime/group/memory-network.js';
import { Simulation } from '../../runtime/group/simulation.js';
import { UnicastTransport, type UnicastSocket } from '../../runtime/group/unicast-transport.js';
import { Bitset } from '../../runtime/group/bitset.js';
import { DEFAULT_SYSTEM_MAGIC, encodeDirectory, encodeHeartbeat, TYPE_HEARTBEAT, type Heartbeat } from '../../runtime/group/wire.js';

const profile = getProfile('local-test');
const b = boundsOf(profile);
const D = 1; // the simulated network's delay
const MARGIN = 20;

function unicastGroup(n: number, opts: { seed?: number; multicast?: (id: number) => boolean } = {}): Simulation {
  const sim = new Simulation({ profile, seed: opts.seed ?? 1, checkProperties: true });
  for (let i = 1; i <= n; i++) sim.addPeer(i, { multicast: opts.multicast?.(i) ?? false, join: i === 1 ? [] : [1] });
  return sim;
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('five peers without multicast form one group from one seed within 5I + S', (t) => {
  const sim = unicastGroup(5);
  const took = sim.until(() => sim.stableWith(all(5)), b.unicastJoin + 2 * D + MARGIN);
  t.log(`formed in ${took} ms (bound 5I + S = ${b.unicastJoin} ms; multicast join 3I + S = ${b.join} ms)`);
  t.true(took >= 0, `stable within ${b.unicastJoin} ms`);
  t.deepEqual(sim.violations, []);
  // Every peer learned every other's address, from one seed.
  for (const id of all(5)) t.is(sim.unicast.get(id)!.addresses().length, 4, `peer ${id} knows the 4 others`);
});

test('a peer joining a running unicast group is in its stable view within 5I + S', (t) => {
  const sim = unicastGroup(4);
  t.true(sim.until(() => sim.stableWith(all(4)), b.unicastJoin + MARGIN) >= 0);
  sim.advance(3 * profile.interval);
  // The newcomer knows peer 3 only.
  sim.addPeer(5, { multicast: false, join: [3] });
  const took = sim.until(() => sim.stableWith(all(5)), b.unicastJoin + 2 * D + MARGIN);
  t.log(`joined in ${took} ms (bound ${b.unicastJoin} ms)`);
  t.true(took >= 0);
  t.deepEqual(sim.violations, []);
});

test('a seed that starts after the peers naming it: the group forms once it runs', (t) => {
  const sim = new Simulation({ profile, checkProperties: true });
  for (const i of [2, 3, 4]) sim.addPeer(i, { multicast: false, join: [1] });
  sim.advance(2 * b.unicastJoin);
  t.true(sim.stableWith([2]) && sim.stableWith([3]), 'alone while the seed is absent');
  sim.addPeer(1, { multicast: false, join: [] });
  const took = sim.until(() => sim.stableWith(all(4)), b.unicastJoin + 2 * D + MARGIN);
  t.log(`formed in ${took} ms after the seed started`);
  t.true(took >= 0);
  t.deepEqual(sim.violations, []);
});

test('a cut splits a unicast group within the restabilisation bound and a heal merges it within the merge bound', (t) => {
  const sim = unicastGroup(5);
  t.true(sim.until(() => sim.stableWith(all(5)), b.unicastJoin + MARGIN) >= 0);
  sim.advance(profile.interval);
  // The seed's side and the other side.
  sim.net.partition([[1, 2], [3, 4, 5]]);
  const split = sim.until(() => sim.stableWith([1, 2]) && sim.stableWith([3, 4, 5]), b.restabilisation + 2 * D + MARGIN);
  t.log(`split in ${split} ms (bound T + 3I + S = ${b.restabilisation} ms)`);
  t.true(split >= 0);
  sim.advance(5 * profile.interval);
  sim.net.heal();
  const merged = sim.until(() => sim.stableWith(all(5)), b.merge + 2 * D + MARGIN);
  t.log(`merged in ${merged} ms (bound Q + 3I + S = ${b.merge} ms)`);
  t.true(merged >= 0);
  t.deepEqual(sim.violations, []);
});

test('a cut longer than the forget time heals through the seeds within Q + 5I + S', (t) => {
  const sim = new Simulation({ profile, checkProperties: true });
  const forgetAfterMs = 10 * profile.timeout;
  // Each side names a seed on the other side.
  for (const i of [1, 2]) sim.addPeer(i, { multicast: false, join: [3], forgetAfterMs });
  for (const i of [3, 4]) sim.addPeer(i, { multicast: false, join: [1], forgetAfterMs });
  t.true(sim.until(() => sim.stableWith(all(4)), b.unicastJoin + MARGIN) >= 0);
  sim.net.partition([[1, 2], [3, 4]]);
  sim.advance(forgetAfterMs + 3 * profile.interval);
  t.true(sim.stableWith([1, 2]) && sim.stableWith([3, 4]));
  t.false(sim.unicast.get(2)!.addresses().includes(simUnicastAddress(4)), 'peer 2 forgot peer 4');
  sim.net.heal();
  const merged = sim.until(() => sim.stableWith(all(4)), b.unicastMerge + 2 * D + MARGIN);
  t.log(`merged in ${merged} ms (bound Q + 5I + S = ${b.unicastMerge} ms)`);
  t.true(merged >= 0);
  t.deepEqual(sim.violations, []);
});

test('a one-way link: every peer is stable again within the restabilisation bound, one view after the heal', (t) => {
  const sim = unicastGroup(4);
  t.true(sim.until(() => sim.stableWith(all(4)), b.unicastJoin + MARGIN) >= 0);
  sim.advance(profile.interval);
  sim.net.cut(2, 3);
  const start = sim.clock.now();
  // The two ends part; everyone is stable again (P1 is checked throughout).
  const settled = sim.until(() => {
    const v2 = sim.peers.get(2)!.member.view();
    const v3 = sim.peers.get(3)!.member.view();
    return all(4).every((id) => sim.peers.get(id)!.member.view().stable) && !(v2.members.includes(3) && v3.members.includes(2));
  }, b.restabilisation + 2 * D + MARGIN);
  t.log(`stable again in ${settled} ms (bound ${b.restabilisation} ms)`);
  t.true(settled >= 0, `settled within ${b.restabilisation} ms of ${start}`);
  sim.advance(3 * profile.interval);
  sim.net.heal();
  const merged = sim.until(() => sim.stableWith(all(4)), b.merge + 2 * D + MARGIN);
  t.log(`merged in ${merged} ms (bound ${b.merge} ms)`);
  t.true(merged >= 0);
  t.deepEqual(sim.violations, []);
});

test('a mixed group: peers hearing multicast and peers hearing only unicast form one group', (t) => {
  // 1 to 3 on the multicast segment, with unicast too (naming peer 2, as every peer of a mixed group
  // names a seed: multicast tells no unicast address); 4 and 5 only unicast, knowing peer 2.
  const sim = new Simulation({ profile, checkProperties: true });
  for (const i of [1, 2, 3]) sim.addPeer(i, { multicast: true, join: i === 2 ? [] : [2] });
  for (const i of [4, 5]) sim.addPeer(i, { multicast: false, join: [2] });
  const took = sim.until(() => sim.stableWith(all(5)), b.unicastJoin + 2 * D + MARGIN);
  t.log(`one group in ${took} ms (bound ${b.unicastJoin} ms)`);
  t.true(took >= 0);
  // A crash of a multicast peer is detected by the unicast ones within T + I.
  sim.crash(1);
  const at = sim.clock.now();
  const gone = sim.until(() => [4, 5].every((id) => !sim.peers.get(id)!.member.view().members.includes(1)), b.detection + 2 * D + MARGIN);
  t.log(`crash of a multicast peer detected by unicast peers in ${gone} ms (bound T + I = ${b.detection} ms)`);
  t.true(gone >= 0, `detected within ${b.detection} ms of ${at}`);
  t.true(sim.until(() => sim.stableWith([2, 3, 4, 5]), b.restabilisation + MARGIN) >= 0);
  t.deepEqual(sim.violations, []);
});

test('a unicast group forms and holds under loss, delay and duplication', (t) => {
  const sim = unicastGroup(6, { seed: 7 });
  sim.net.conditions.loss = 0.02;
  sim.net.conditions.maxDelay = 30;
  sim.net.conditions.duplicate = 0.05;
  // Lost directories are repaired by gossip (one member every T): allow a few rounds.
  const took = sim.until(() => sim.stableWith(all(6)), b.unicastJoin + 10 * profile.timeout);
  t.log(`formed under 2 % loss in ${took} ms`);
  t.true(took >= 0);
  sim.advance(20 * profile.interval);
  t.true(sim.stableWith(all(6)), 'still one group');
  t.deepEqual(sim.violations, []);
});

test('64 unicast peers started at once form one view from one seed within 5I + S; a crash is detected within T + I; traffic per peer is bounded', (t) => {
  // More peers than one directory datagram holds (48), so the rules of large groups apply: no
  // directory for every newcomer, a newcomer asks its seed (docs/design/group.md §7). The 1,000-peer
  // run is `npm run bench -- simulate unicast`.
  const n = 64;
  const sim = new Simulation({ profile, seed: 3, checkProperties: true, recordEvents: false });
  for (let i = 0; i < n; i++) sim.addPeer(i, { multicast: false, join: i === 0 ? [] : [0] });
  const ids = Array.from({ length: n }, (_, i) => i);
  const directories = () => [...sim.unicast.values()].reduce((s, u) => s + u.counters.directoriesSent, 0);
  const formed = sim.until(() => sim.stableWith(ids), b.unicastJoin + 2 * D + MARGIN);
  const formDirs = directories();
  t.log(`formed in ${formed} ms (bound 5I + S = ${b.unicastJoin} ms); ${(sim.net.unicastSent / n).toFixed(0)} datagrams per peer, ${(formDirs / n).toFixed(1)} of them directories`);
  t.true(formed >= 0, `one view within ${b.unicastJoin} ms`);
  // Directories while forming, per peer and independent of n but for the gossip: at most 48
  // greetings of newcomers (only while its directory fits one datagram), at most as many answers to
  // whole directories that lack something, its request to its seed and the seed's answer, and one
  // gossip per T (⌈n/48⌉ datagrams each). Before, every member sent ⌈n/48⌉ to every newcomer.
  const perDirectory = Math.ceil(n / 48);
  const bound = n * (2 * 48 + perDirectory * (2 + Math.ceil(formed / profile.timeout)));
  t.true(formDirs <= bound, `${formDirs} directory datagrams while forming (bound ${bound})`);
  // Steady state: n − 1 heartbeat datagrams per peer per interval, and the gossip.
  sim.advance(profile.interval);
  const s0 = sim.net.unicastSent;
  const d0 = directories();
  const intervals = 15;
  sim.advance(intervals * profile.interval);
  const perPeerPerInterval = (sim.net.unicastSent - s0) / n / intervals;
  const dirsPerPeerPerT = ((directories() - d0) / n / intervals) * profile.timeoutIntervals;
  t.log(`steady state per peer and interval: ${perPeerPerInterval.toFixed(2)} datagrams (n − 1 = ${n - 1}), directories ${dirsPerPeerPerT.toFixed(2)} per T`);
  t.true(perPeerPerInterval >= n - 1 && perPeerPerInterval <= n - 1 + perDirectory, 'heartbeats to each other member once per interval, and little more');
  t.true(dirsPerPeerPerT <= 2 * perDirectory, 'gossip: one directory per T');
  // A crash of a member that is neither the seed nor, with the highest id, the leader.
  const victim = n - 2;
  sim.crash(victim);
  const rest = ids.filter((id) => id !== victim);
  const detected = sim.until(() => rest.every((id) => !sim.peers.get(id)!.member.snapshot().connectionSet.includes(victim)), b.detection + 2 * D + MARGIN);
  t.log(`crash detected by all ${n - 1} in ${detected} ms (bound T + I = ${b.detection} ms)`);
  t.true(detected >= 0, `detected within ${b.detection} ms`);
  const restable = sim.until(() => sim.stableWith(rest), b.restabilisation + 2 * D + MARGIN);
  t.true(restable >= 0 && detected + restable <= b.restabilisation + 2 * D + MARGIN, `stable again within ${b.restabilisation} ms of the crash`);
  t.deepEqual(sim.violations, []);
});

// --- the transport alone ------------------------------------------------------------------------

class FakeSocket implements UnicastSocket {
  readonly sent: { d: Uint8Array; to: readonly string[] }[] = [];
  handler: ((d: Uint8Array, from: string) => void) | null = null;
  constructor(readonly address: string) {}
  send(d: Uint8Array, to: readonly string[]): void {
    this.sent.push({ d: Uint8Array.from(d), to: [...to] });
  }
  onReceive(h: (d: Uint8Array, from: string) => void): void {
    this.handler = h;
  }
  async close(): Promise<void> {}
}

function heartbeat(nodeId: number, seq: number, epoch = 1000): Uint8Array {
  const hb: Heartbeat = {
    systemMagic: DEFAULT_SYSTEM_MAGIC,
    nodeId,
    name: `p${nodeId}`,
    epoch,
    seq,
    sendTime: 0,
    viewNumber: 0,
    viewTimeStamp: -1,
    stable: false,
    preferred: false,
    candidate: { id: nodeId, epoch: 1000 },
    view: new Bitset(),
    heard: new Bitset(),
    msgLinks: new Bitset(),
    contact: null,
  };
  return encodeHeartbeat(hb);
}

function transport(key: GroupKey, now: { t: number }) {
  const socket = new FakeSocket('10.0.0.1:4242');
  const u = new UnicastTransport({ socket, key, nodeId: 1, systemMagic: DEFAULT_SYSTEM_MAGIC, seeds: ['10.0.0.2:4242'], now: () => now.t, random: seededRandom(3), gossipMs: 600, forgetAfterMs: 10_000, candidateMs: 5000 });
  const up: Uint8Array[] = [];
  // As the authentication layer does: verified datagrams are trusted.
  u.onReceive((d, source) => {
    up.push(d);
    if (source !== undefined) u.trust(source, d);
  });
  return { socket, u, up };
}

test('unicast transport: learns verified senders, answers newcomers with its directory, forgets the silent', (t) => {
  const key = new GroupKey(randomBytes(32));
  const now = { t: 0 };
  const { socket, u } = transport(key, now);
  socket.handler!(sealDatagram(key, heartbeat(7, 1)), '10.0.0.7:4242');
  t.deepEqual(u.addresses().sort(), ['10.0.0.2:4242', '10.0.0.7:4242']);
  t.true(socket.sent.some((s) => s.d[5] === 2 && s.to[0] === '10.0.0.7:4242'), 'the newcomer got a directory');
  // A replay of that heartbeat from another address teaches nothing.
  socket.handler!(sealDatagram(key, heartbeat(7, 1)), '10.9.9.9:4242');
  t.false(u.addresses().includes('10.9.9.9:4242'));
  // A newer one from a new address becomes the current one (a restart on another port); the old
  // one is still sent to while it is heard from, and goes after candidateMs of silence.
  socket.handler!(sealDatagram(key, heartbeat(7, 2)), '10.0.0.7:5000');
  t.deepEqual(u.addresses().sort(), ['10.0.0.2:4242', '10.0.0.7:4242', '10.0.0.7:5000']);
  now.t = 4000;
  socket.handler!(sealDatagram(key, heartbeat(7, 3)), '10.0.0.7:5000');
  u.send(sealDatagram(key, heartbeat(1, 1)));
  t.deepEqual([...socket.sent.filter((x) => x.d[5] === TYPE_HEARTBEAT).at(-1)!.to].sort(), ['10.0.0.2:4242', '10.0.0.7:4242', '10.0.0.7:5000'], 'the displaced address is kept for a while');
  now.t = 6000;
  u.send(sealDatagram(key, heartbeat(1, 2)));
  t.deepEqual([...socket.sent.filter((x) => x.d[5] === TYPE_HEARTBEAT).at(-1)!.to].sort(), ['10.0.0.2:4242', '10.0.0.7:5000'], 'and forgotten after candidateMs of silence');
  // Silent for longer than the forget time: forgotten; the seed stays.
  now.t = 20_000;
  u.send(sealDatagram(key, heartbeat(1, 3)));
  t.deepEqual(u.addresses(), ['10.0.0.2:4242']);
});

test('unicast transport: two live peers with one node id both keep hearing it; a directory entry with its own id is sent to (a duplicate must hear its incumbent)', (t) => {
  const key = new GroupKey(randomBytes(32));
  const now = { t: 0 };
  const { socket, u } = transport(key, now);
  // The incumbent 7 at .7, then a duplicate 7 (a newer epoch) at .70: both keep being sent to while both speak.
  socket.handler!(sealDatagram(key, heartbeat(7, 1)), '10.0.0.7:4242');
  socket.handler!(sealDatagram(key, heartbeat(7, 1, 2000)), '10.0.0.70:4242');
  for (let i = 2; i <= 40; i++) {
    now.t = i * 200;
    socket.handler!(sealDatagram(key, heartbeat(7, i)), '10.0.0.7:4242');
    socket.handler!(sealDatagram(key, heartbeat(7, i, 2000)), '10.0.0.70:4242');
    u.send(sealDatagram(key, heartbeat(1, i)));
  }
  t.deepEqual([...socket.sent.filter((x) => x.d[5] === TYPE_HEARTBEAT).at(-1)!.to].sort(), ['10.0.0.2:4242', '10.0.0.70:4242', '10.0.0.7:4242']);
  // A directory naming this peer's own id at another address: that address is sent to.
  socket.handler!(sealDatagram(key, encodeDirectory(DEFAULT_SYSTEM_MAGIC, 9, [{ id: 1, host: '10.0.0.11', port: 4242 }])), '10.0.0.9:4242');
  t.true(u.addresses().includes('10.0.0.11:4242'));
});

test('unicast transport: a directory is authenticated with the group key; garbage and floods are survived', (t) => {
  const key = new GroupKey(randomBytes(32));
  const other = new GroupKey(randomBytes(32));
  const now = { t: 0 };
  const { socket, u, up } = transport(key, now);
  const dir = () => encodeDirectory(DEFAULT_SYSTEM_MAGIC, 9, [{ id: 8, host: '10.0.0.8', port: 4242 }]);
  socket.handler!(sealDatagram(other, dir()), '10.0.0.9:4242');
  t.false(u.addresses().includes('10.0.0.8:4242'), 'a directory under another key is dropped');
  t.is(u.counters.directoriesDropped, 1);
  socket.handler!(sealDatagram(key, dir()), '10.0.0.9:4242');
  t.true(u.addresses().includes('10.0.0.8:4242'), 'an authentic one adds its entries as candidates');
  t.is(up.length, 0, 'directories are not passed up');
  // A candidate never heard from is forgotten after candidateMs.
  now.t = 6000;
  u.send(sealDatagram(key, heartbeat(1, 1)));
  t.false(u.addresses().includes('10.0.0.8:4242'));
  // Garbage of every size, and a forged directory: nothing throws, the table stays bounded.
  const rnd = seededRandom(5);
  for (let i = 0; i < 2000; i++) {
    const g = new Uint8Array(Math.floor(rnd() * 1300));
    for (let j = 0; j < g.length; j++) g[j] = Math.floor(rnd() * 256);
    if (i % 2 === 0 && g.length > 100) g.set(dir().subarray(0, 16));
    t.notThrows(() => socket.handler!(g, `10.1.${i % 250}.${i % 7}:4242`));
  }
  t.true(u.addresses().length <= 2);
});
