/**
 * Compact keep-alive heartbeats (runtime/group/compact-heartbeat.ts, docs/design/group.md §4.1):
 * wire format, replay and forgery, key rotation, drop accounting, a change never hidden by lost full
 * heartbeats, and the `fast` profile's precise eviction on the simulated network (multicast and unicast).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { GroupKey, sealDatagram } from '../../runtime/group/authenticated-transport.js';
import { Bitset } from '../../runtime/group/bitset.js';
import { CompactHeartbeatTransport, sealKeepAlive } from '../../runtime/group/compact-heartbeat.js';
import { GroupMember } from '../../runtime/group/group-member.js';
import { ManualClock } from '../../core/clock.js';
import { seededRandom } from '../../runtime/group/memory-network.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { Simulation } from '../../runtime/group/simulation.js';
import type { DatagramTransport } from '../../runtime/group/transport.js';
import {
  bodyDigest,
  decodeHeartbeat,
  decodeKeepAlive,
  DEFAULT_SYSTEM_MAGIC,
  DropCounters,
  encodeHeartbeat,
  encodeKeepAlive,
  isKeepAlive,
  KEEPALIVE_BYTES,
  type Heartbeat,
} from '../../runtime/group/wire.js';

const EPOCH = 1_700_000_000_000;

function heartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  const nodeId = over.nodeId ?? 7;
  return {
    systemMagic: DEFAULT_SYSTEM_MAGIC,
    nodeId,
    name: 'seven',
    epoch: EPOCH,
    seq: 1,
    sendTime: EPOCH + 10,
    viewNumber: 3,
    viewTimeStamp: -1,
    stable: false,
    preferred: true,
    candidate: { id: nodeId, epoch: EPOCH },
    view: Bitset.of([nodeId, 1]),
    heard: Bitset.of([nodeId, 1]),
    msgLinks: new Bitset(),
    contact: { host: '127.0.0.1', port: 7420 },
    ...over,
  };
}

/** A wire between two compact layers: what the sender sends is recorded and delivered unless `drop` says. */
function pair(key: GroupKey, opts: { repeats?: number; fullEveryMs?: number; drop?: (d: Uint8Array) => boolean; receiverKey?: GroupKey } = {}) {
  const sent: Uint8Array[] = [];
  const got: Uint8Array[] = [];
  let deliver: (d: Uint8Array, source?: string) => void = () => {};
  const senderInner: DatagramTransport = {
    send(d) {
      const copy = Uint8Array.from(d);
      sent.push(copy);
      if (!opts.drop?.(copy)) deliver(copy);
    },
    onReceive() {},
    close: async () => {},
  };
  const receiverInner: DatagramTransport = {
    send() {},
    onReceive(h) {
      deliver = h;
    },
    close: async () => {},
  };
  const drops = new DropCounters();
  const sender = new CompactHeartbeatTransport(senderInner, key, new DropCounters(), { repeats: opts.repeats, fullEveryMs: opts.fullEveryMs });
  const receiver = new CompactHeartbeatTransport(receiverInner, opts.receiverKey ?? key, drops, {});
  receiver.onReceive((d) => got.push(Uint8Array.from(d)));
  return { sender, receiver, sent, got, drops, inject: (d: Uint8Array) => deliver(d) };
}

test('a keep-alive is 30 bytes and survives encoding and decoding', (t) => {
  const k = { nodeId: 2047, check: 0xab, seq: 0xfffffffe, age: 123456 };
  const b = encodeKeepAlive(k);
  t.is(b.length, KEEPALIVE_BYTES);
  t.is(KEEPALIVE_BYTES, 30);
  t.true(isKeepAlive(b));
  t.deepEqual(decodeKeepAlive(b), k);
  t.throws(() => encodeKeepAlive({ ...k, seq: 2 ** 32 }), { instanceOf: RangeError });
  t.throws(() => encodeKeepAlive({ ...k, age: -1 }), { instanceOf: RangeError });
  t.throws(() => encodeKeepAlive({ ...k, nodeId: 2048 }), { instanceOf: RangeError });
  t.false(isKeepAlive(b.subarray(0, 29)));
  // A heartbeat's decoder does not take a keep-alive for a heartbeat.
  t.throws(() => decodeHeartbeat(b));
});

test('an unchanged body goes as keep-alives; a change goes in full, repeated; the receiver rebuilds every heartbeat exactly', (t) => {
  const key = new GroupKey(randomBytes(32));
  const { sender, sent, got, drops } = pair(key, { repeats: 2, fullEveryMs: 5000 });
  const hbs: Heartbeat[] = [];
  for (let seq = 1; seq <= 12; seq++) {
    const hb = heartbeat({ seq, sendTime: EPOCH + 250 * seq, viewNumber: seq < 6 ? 3 : 4 });
    hbs.push(hb);
    sender.send(encodeHeartbeat(hb));
  }
  // seq 1 full + 2 repeats, 4..5 keep-alives, 6 (change) full + 2 repeats, 9..12 keep-alives.
  t.deepEqual(sent.map((d) => (isKeepAlive(d) ? 'k' : 'F')).join(''), 'FFFkkFFFkkkk');
  t.is(got.length, 12);
  got.forEach((d, i) => t.deepEqual(decodeHeartbeat(d), decodeHeartbeat(encodeHeartbeat(hbs[i]!)), `heartbeat ${i + 1}`));
  t.is(drops.total(), 0);
  t.deepEqual(sender.counters, { fullSent: 6, keepAlivesSent: 6, keepAlivesAccepted: 0 });
});

test('a full heartbeat goes at least every fullEveryMs', (t) => {
  const key = new GroupKey(randomBytes(32));
  const { sent } = (() => {
    const p = pair(key, { repeats: 0, fullEveryMs: 1000 });
    for (let seq = 1; seq <= 9; seq++) p.sender.send(encodeHeartbeat(heartbeat({ seq, sendTime: EPOCH + 250 * seq })));
    return p;
  })();
  t.is(sent.map((d) => (isKeepAlive(d) ? 'k' : 'F')).join(''), 'FkkkFkkkF');
});

test('a change is never hidden: over a lossy wire every heartbeat that comes up is the one sent with that sequence number', (t) => {
  const key = new GroupKey(randomBytes(32));
  const rnd = seededRandom(42);
  const p = pair(key, { repeats: 2, fullEveryMs: 2000, drop: () => rnd() < 0.4 });
  const bySeq = new Map<number, Heartbeat>();
  let view = 3;
  for (let seq = 1; seq <= 3000; seq++) {
    if (rnd() < 0.1) view++;
    const hb = heartbeat({ seq, sendTime: EPOCH + 250 * seq, viewNumber: view, stable: rnd() < 0.5 && view % 2 === 0 });
    bySeq.set(seq, hb);
    p.sender.send(encodeHeartbeat(hb));
  }
  let keepAlives = 0;
  for (const d of p.got) {
    const hb = decodeHeartbeat(d);
    t.deepEqual(hb, decodeHeartbeat(encodeHeartbeat(bySeq.get(hb.seq)!)));
    if (p.sent.find((s) => isKeepAlive(s) && decodeKeepAlive(s).seq === hb.seq)) keepAlives++;
  }
  t.true(keepAlives > 100, `${keepAlives} keep-alives rebuilt`);
  t.true(p.drops.get('stale') > 0, 'keep-alives for a body not held are dropped as stale');
  t.is(p.drops.get('auth'), 0);
  t.is(p.drops.total(), p.drops.get('stale'));
});

test('forged, stale and foreign-key keep-alives are dropped and counted; an old full heartbeat replayed does not displace the held one', (t) => {
  const key = new GroupKey(randomBytes(32));
  const p = pair(key, { repeats: 0 });
  p.sender.send(encodeHeartbeat(heartbeat({ seq: 5, sendTime: EPOCH + 50 })));
  p.sender.send(encodeHeartbeat(heartbeat({ seq: 6, sendTime: EPOCH + 60 })));
  t.is(p.got.length, 2);
  const ka = p.sent[1]!;
  t.true(isKeepAlive(ka));
  // Every flipped bit: dropped (stale when it hits the check byte or the node id; else auth, key, or not a keep-alive at all).
  for (let bit = 0; bit < ka.length * 8; bit++) {
    const f = Uint8Array.from(ka);
    f[bit >> 3]! ^= 1 << (bit & 7);
    const before = p.got.length;
    p.inject(f);
    t.is(p.got.length, before, `bit ${bit}`);
  }
  t.true(p.drops.get('auth') > 0 && p.drops.get('stale') > 0);
  // Sealed with another key: `key` (an unknown key id) or `auth`.
  const other = new GroupKey(randomBytes(32));
  const digest = bodyDigest(p.sent[0]!);
  const k2 = encodeKeepAlive({ nodeId: 7, check: digest[0]!, seq: 9, age: 90 });
  const before = p.drops.get('key') + p.drops.get('auth');
  p.inject(sealKeepAlive(other, k2, digest));
  t.is(p.drops.get('key') + p.drops.get('auth'), before + 1);
  // From a sender we hold nothing for: stale.
  const stale = p.drops.get('stale');
  p.inject(sealKeepAlive(key, encodeKeepAlive({ nodeId: 9, check: 0, seq: 9, age: 90 }), digest));
  t.is(p.drops.get('stale'), stale + 1);
  // An authentic but older full heartbeat with another body comes up (the machine drops it as a
  // replay) but is not held: keep-alives for the newer body still verify.
  p.inject(sealDatagram(key, encodeHeartbeat(heartbeat({ seq: 4, sendTime: EPOCH + 40, viewNumber: 99 }))));
  const n = p.got.length;
  p.inject(sealKeepAlive(key, encodeKeepAlive({ nodeId: 7, check: digest[0]!, seq: 7, age: 70 }), digest));
  t.is(p.got.length, n + 1);
  t.is(decodeHeartbeat(p.got.at(-1)!).seq, 7);
  t.is(decodeHeartbeat(p.got.at(-1)!).viewNumber, 3);
});

test('key rotation: keep-alives sealed with the previous key verify at a receiver holding both', (t) => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const p = pair(new GroupKey(oldKey), { repeats: 0, receiverKey: new GroupKey(newKey, oldKey) });
  for (let seq = 1; seq <= 4; seq++) p.sender.send(encodeHeartbeat(heartbeat({ seq, sendTime: EPOCH + 250 * seq })));
  t.is(p.got.length, 4);
  t.is(p.drops.total(), 0);
});

function memberOverFakeTransport(profileName: string) {
  const clock = new ManualClock(EPOCH + 1000);
  const key = new GroupKey(randomBytes(32));
  let inject: (d: Uint8Array) => void = () => {};
  const member = new GroupMember({
    identity: { id: 1, name: 'one', epoch: EPOCH + 1000 },
    profile: getProfile(profileName),
    key,
    clock,
    datagrams: { send() {}, onReceive: (h) => (inject = h), close: async () => {} },
    messages: { address: null, send() {}, onMessage() {}, onLinkFailure() {}, close: async () => {} },
  });
  member.start();
  return { member, clock, key, inject: (d: Uint8Array) => inject(d) };
}

test('a replayed keep-alive is dropped by the machine as a replay and does not refresh the sender', (t) => {
  const { member, clock, key, inject } = memberOverFakeTransport('fast');
  const other = heartbeat({ nodeId: 7, epoch: EPOCH, seq: 1, sendTime: clock.now(), view: Bitset.of([7]), heard: Bitset.of([7]) });
  const full = sealDatagram(key, encodeHeartbeat(other));
  inject(full);
  t.is(member.counters.heartbeatsAccepted, 1);
  const digest = bodyDigest(full);
  clock.advance(100);
  const ka = sealKeepAlive(key, encodeKeepAlive({ nodeId: 7, check: digest[0]!, seq: 2, age: clock.now() - EPOCH }), digest);
  inject(ka);
  t.is(member.counters.heartbeatsAccepted, 2);
  inject(ka);
  t.is(member.drops.get('replay'), 1);
  t.is(member.counters.heartbeatsAccepted, 2);
  void member.stop();
});

test('profile fast: a frozen peer is reported gone by every survivor within T + 1 ms of its last heartbeat, with keep-alives in between', (t) => {
  const p = getProfile('fast');
  const b = boundsOf(p);
  t.is(b.detection, p.timeout + 1);
  const sim = new Simulation({ profile: p, seed: 3, checkProperties: true, recordEvents: true });
  for (let i = 1; i <= 5; i++) sim.addPeer(i);
  sim.advance(b.join + p.interval);
  const counts = () => ({ ...(sim.peers.get(2)!.member.stats() as { keepAlives: { keepAlivesSent: number; fullSent: number } }).keepAlives });
  const stats = { keepAlives: counts() };
  sim.advance(5000);
  const after = { keepAlives: counts() };
  t.true(after.keepAlives.keepAlivesSent - stats.keepAlives.keepAlivesSent >= 15, 'mostly keep-alives when idle');
  t.true(after.keepAlives.fullSent - stats.keepAlives.fullSent <= 1, 'a full heartbeat at least every 10 s, no more when idle');
  const crashed = sim.clock.now();
  sim.crash(3);
  sim.advance(2000, 1);
  for (const id of [1, 2, 4, 5]) {
    const left = sim.peers.get(id)!.events.find((e) => e.type === 'left' && e.subject?.id === 3 && e.time >= crashed);
    t.truthy(left, `peer ${id} reports p3 gone`);
    // The last heartbeat was sent at most I before the crash: gone within T + 1 + d of it, and before the grid's T + I.
    t.true(left!.time - crashed <= b.detection + 2, `peer ${id}: ${left!.time - crashed} ms`);
  }
  t.deepEqual(sim.violations ?? [], []);
});

test('profile fast over unicast: the group forms within 5I + S and idles on keep-alives', (t) => {
  const p = getProfile('fast');
  const b = boundsOf(p);
  const sim = new Simulation({ profile: p, seed: 5, checkProperties: true, recordEvents: true });
  for (let i = 1; i <= 4; i++) sim.addPeer(i, { multicast: false, join: i === 1 ? [] : [1] });
  sim.advance(b.unicastJoin + 2 * p.interval);
  for (let i = 1; i <= 4; i++) t.is(sim.peers.get(i)!.member.view().members.length, 4, `peer ${i}`);
  sim.advance(3000);
  const s = sim.peers.get(4)!.member.stats() as { keepAlives: { keepAlivesSent: number; keepAlivesAccepted: number } };
  t.true(s.keepAlives.keepAlivesSent > 5);
  t.true(s.keepAlives.keepAlivesAccepted > 15);
});

test('profile fast on a memory network with 20% loss: keep-alives for a body not held are dropped as stale, the properties hold, and one stable view forms once the loss ends', (t) => {
  const p = getProfile('fast');
  const b = boundsOf(p);
  const sim = new Simulation({ profile: p, seed: 11, checkProperties: true, recordEvents: true });
  for (let i = 1; i <= 5; i++) sim.addPeer(i);
  sim.advance(b.join + p.interval);
  sim.net.conditions.loss = 0.2;
  sim.net.conditions.maxDelay = 30;
  sim.advance(20_000);
  sim.crash(4);
  sim.advance(10_000);
  const stale = [1, 2, 3, 5].reduce((n, id) => n + sim.peers.get(id)!.member.drops.get('stale'), 0);
  t.true(stale > 0, `${stale} stale keep-alives`);
  t.deepEqual(sim.violations, []);
  sim.net.conditions.loss = 0;
  sim.advance(b.merge + p.interval);
  for (const id of [1, 2, 3, 5]) {
    const v = sim.peers.get(id)!.member.view();
    t.true(v.stable, `peer ${id} stable`);
    t.deepEqual(v.members, [1, 2, 3, 5], `peer ${id}`);
  }
});
