/**
 * The heartbeat wire format and the receive path: round trip, every drop reason counted at the point
 * the spec orders it (docs/design/group.md §6.2; test plan §5 BP-1..BP-12), and identity clashes: the
 * duplicate of a peer that ran first refuses itself with the catalogue's message (§2.1).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { Bitset } from '../../runtime/group/bitset.js';
import { GroupKey, sealDatagram, checkDatagram } from '../../runtime/group/authenticated-transport.js';
import { GroupMember } from '../../runtime/group/group-member.js';
import type { GroupEvent } from '../../runtime/group/heartbeat-machine.js';
import { Messages } from '../../core/messages/index.js';
import { ManualClock } from '../../core/clock.js';
import { MemoryNetwork } from '../../runtime/group/memory-network.js';
import { getProfile } from '../../runtime/group/profiles.js';
import { decodeHeartbeat, encodeHeartbeat, DEFAULT_SYSTEM_MAGIC, MAX_DATAGRAM, type Heartbeat } from '../../runtime/group/wire.js';

const profile = getProfile('local-test');

function heartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  const nodeId = over.nodeId ?? 7;
  return {
    systemMagic: DEFAULT_SYSTEM_MAGIC,
    nodeId,
    name: 'seven',
    epoch: 1000,
    seq: 1,
    sendTime: 1_700_000_000_000,
    viewNumber: 3,
    viewTimeStamp: -1,
    stable: false,
    preferred: true,
    candidate: { id: nodeId, epoch: 1000 },
    view: Bitset.of([nodeId, 1, 2047]),
    heard: Bitset.of([nodeId, 1]),
    msgLinks: new Bitset(),
    contact: { host: '127.0.0.1', port: 7420 },
    ...over,
  };
}

test('a heartbeat survives encoding and decoding', (t) => {
  const hb = heartbeat({ viewTimeStamp: 1_700_000_001_234, stable: true, contact: { host: 'fe80:0:0:0:0:0:0:1', port: 1 } });
  const d = sealDatagram(new GroupKey(randomBytes(32)), encodeHeartbeat(hb));
  const back = decodeHeartbeat(d);
  t.is(back.name, 'seven');
  t.deepEqual(back.view.ids(), [1, 7, 2047]);
  t.deepEqual(back.heard.ids(), [1, 7]);
  t.is(back.viewTimeStamp, 1_700_000_001_234);
  t.true(back.stable && back.preferred);
  t.deepEqual(back.contact, { host: 'fe80:0:0:0:0:0:0:1', port: 1 });
  t.is(back.seq, 1);
});

test('a heartbeat of 1,000 members stays within 400 bytes', (t) => {
  const ids = Array.from({ length: 1000 }, (_, i) => i);
  const d = encodeHeartbeat(heartbeat({ nodeId: 999, view: Bitset.of(ids), heard: Bitset.of(ids), name: 'peer-999.example' }));
  t.true(d.length <= 400, `${d.length} bytes`);
  t.true(d.length <= MAX_DATAGRAM);
});

/** A live member (id 1) on a memory network, and a spare endpoint (id 99) to inject from. */
function live() {
  const clock = new ManualClock();
  const net = new MemoryNetwork(clock);
  const key = new GroupKey(randomBytes(32));
  const member = new GroupMember({
    identity: { id: 1, name: 'one', epoch: clock.now() },
    profile,
    key,
    clock,
    datagrams: net.datagramEndpoint(1),
    messages: net.messageEndpoint(1),
  });
  member.start();
  net.datagramEndpoint(99);
  const send = (d: Uint8Array) => {
    net.inject(99, d);
    clock.runFor(2);
  };
  const valid = (over: Partial<Heartbeat> = {}) => Buffer.from(sealDatagram(key, encodeHeartbeat(heartbeat({ sendTime: clock.now(), ...over }))));
  return { clock, net, key, member, send, valid };
}

test('every drop reason is counted, and nothing is accepted', (t) => {
  const { member, send, valid, clock } = live();
  const other = new GroupKey(randomBytes(32));
  const cases: [string, Uint8Array][] = [
    ['size', new Uint8Array(0)],
    ['size', new Uint8Array(1)],
    ['size', new Uint8Array(MAX_DATAGRAM + 1)],
    ['size', new Uint8Array(9000)],
    ['magic', (() => { const d = valid(); d[0] = 0; return d; })()],
    ['version', (() => { const d = valid(); d[4] = 2; return d; })()],
    ['key', (() => { const d = valid(); d[7] = (d[7]! + 1) & 255; return d; })()],
    ['auth', (() => { const d = valid(); d[d.length - 1]! ^= 1; return d; })()],
    ['auth', sealDatagram(new GroupKey(randomBytes(32)), (() => { const d = encodeHeartbeat(heartbeat()); return d; })())],
    ['foreign', valid({ systemMagic: 42 })],
    ['self', valid({ nodeId: 1, name: 'one', epoch: member.identity.epoch, view: Bitset.of([1]), candidate: { id: 1, epoch: 0 } })],
    ['untimely', valid({ sendTime: clock.now() + 2 * profile.timeout })],
    ['untimely', valid({ sendTime: clock.now() - 2 * profile.timeout })],
  ];
  void other;
  // A tag made with another key whose id happens to collide counts as `auth`, otherwise as `key`.
  const expected: Record<string, number> = {};
  for (const [reason, d] of cases) {
    let r = reason;
    if (reason === 'auth' && d[7] !== valid()[7]) r = 'key';
    expected[r] = (expected[r] ?? 0) + 1;
    send(d);
  }
  const counts = member.drops.snapshot();
  for (const [reason, n] of Object.entries(expected)) t.is(counts[reason as keyof typeof counts], n, reason);
  t.is(member.counters.heartbeatsAccepted, 0);
  t.deepEqual(member.snapshot().connectionSet, [1]);
});

test('malformed bodies under a valid tag are counted as malformed', (t) => {
  const { member, send, valid, key } = live();
  const bodies: Uint8Array[] = [];
  // Bitset length prefix 10,000.
  let d = valid();
  d.writeUInt16BE(10_000, 64);
  bodies.push(d);
  // Node id out of range.
  d = valid();
  d.writeUInt16BE(4000, 12);
  bodies.push(d);
  // Unknown message type.
  d = valid();
  d[5] = 9;
  bodies.push(d);
  // Name length pointing past the end.
  d = valid();
  d[d.length - 16 - 'seven'.length - 1] = 200;
  bodies.push(d);
  for (const b of bodies) send(sealDatagram(key, b));
  t.is(member.drops.get('malformed'), bodies.length);
  t.is(member.counters.internalErrors, 0);
});

test('the tag is checked before the body is parsed (BP-4)', (t) => {
  const { member, send, valid } = live();
  const d = valid();
  d.writeUInt16BE(10_000, 64); // would be malformed, but the tag no longer matches
  send(d);
  t.is(member.drops.get('auth'), 1);
  t.is(member.drops.get('malformed'), 0);
});

test('one flipped bit anywhere is dropped (BP-5)', (t) => {
  const { member, send, valid, key } = live();
  const base = valid();
  let sent = 0;
  for (let i = 0; i < base.length; i++) {
    for (const bit of [0, 7]) {
      const d = Buffer.from(base);
      d[i]! ^= 1 << bit;
      t.not(checkDatagram(key, d), null, `byte ${i} bit ${bit}`);
      send(d);
      sent++;
    }
  }
  t.is(member.counters.heartbeatsAccepted, 0);
  t.is(member.drops.total(), sent);
});

test('a replayed heartbeat is dropped and does not refresh the sender (BP-7, BP-8)', (t) => {
  const { member, send, valid, clock } = live();
  const first = valid({ seq: 5 });
  send(first);
  t.is(member.counters.heartbeatsAccepted, 1);
  send(Buffer.from(first));
  t.is(member.drops.get('replay'), 1);
  // An older epoch of a live node.
  send(valid({ seq: 100, epoch: 999 }));
  t.is(member.drops.get('replay'), 2);
  // Replaying the last heartbeat over and over does not keep the (dead) sender alive.
  for (let i = 0; i < 20; i++) {
    clock.runFor(100);
    send(Buffer.from(first));
  }
  t.false(member.snapshot().connectionSet.includes(7));
});

test('a newer peer with our node id is ignored with a warning; so is a second name for a known id', (t) => {
  const { member, send, valid, clock } = live();
  const events: GroupEvent[] = [];
  member.onEvent((e) => void events.push(e));
  clock.runFor(10);
  // Started after us (a newer epoch), another name: the duplicate is the other one; we keep going.
  send(valid({ nodeId: 1, name: 'impostor', epoch: member.identity.epoch + 5, view: Bitset.of([1]), candidate: { id: 1, epoch: 0 } }));
  t.is(member.drops.get('conflict'), 1);
  t.is(events[0]?.type, 'conflict');
  t.is(events[0]?.code, Messages.DuplicatePeerIgnored.code);
  t.regex(events[0]?.message ?? '', /^Peer `impostor` \(node id 1\) at 127\.0\.0\.1:7420 uses the node id of peer `one` \(node id 1\), which ran first; its heartbeats are ignored\.$/);
  t.is(member.refused, null);
  // Node 7 is `seven`: a heartbeat of node 7 named `eight` is ignored, naming both.
  send(valid({ seq: 1 }));
  send(valid({ nodeId: 7, name: 'eight', seq: 2 }));
  t.is(member.drops.get('conflict'), 2);
  t.is(events.at(-1)?.code, Messages.SharedPeerId.code);
  t.regex(events.at(-1)?.message ?? '', /Peers `seven` and `eight` both use node id 7/);
  t.regex(Messages.SharedPeerId.hint ?? '', /`--id`/);
});

test('a peer with our node id that ran first, heard after we started: we are the duplicate, refused naming --id, and silent', (t) => {
  const { member, send, valid, clock } = live();
  const events: GroupEvent[] = [];
  member.onEvent((e) => void events.push(e));
  // Sent before we started (an earlier incarnation, or a captured heartbeat): not evidence.
  send(valid({ nodeId: 1, name: 'first', epoch: 1000, sendTime: member.identity.epoch - 1, view: Bitset.of([1]), candidate: { id: 1, epoch: 1000 } }));
  t.is(member.refused, null);
  clock.runFor(10);
  send(valid({ nodeId: 1, name: 'first', epoch: 1000, seq: 2, view: Bitset.of([1]), candidate: { id: 1, epoch: 1000 } }));
  const refused = events.find((e) => e.type === 'refused');
  t.is(refused?.code, Messages.DuplicatePeerId.code);
  t.is(refused?.message, 'Duplicate node id 1: it is already used by peer `first` at 127.0.0.1:7420; this peer is refused.');
  t.deepEqual(refused?.subject, { id: 1, name: 'first' });
  t.regex(member.refused?.hint ?? '', /another `--id`/);
  t.is(member.snapshot().refused, refused?.message);
  t.false(member.view().stable);
  // Out of the group: nothing more is sent, nothing taken in.
  const sent = member.counters.heartbeatsSent;
  clock.runFor(5 * profile.interval);
  t.is(member.counters.heartbeatsSent, sent);
  send(valid({ seq: 3 }));
  t.deepEqual(member.snapshot().connectionSet, [1]);
});

test('a peer with our name that ran first refuses us naming --name; one with our name started later is ignored', (t) => {
  const { member, send, valid, clock } = live();
  const events: GroupEvent[] = [];
  member.onEvent((e) => void events.push(e));
  clock.runFor(10);
  send(valid({ nodeId: 8, name: 'one', epoch: member.identity.epoch + 1, view: Bitset.of([8]), candidate: { id: 8, epoch: 0 } }));
  t.is(member.refused, null);
  t.regex(events.at(-1)?.message ?? '', /^Peer `one` \(node id 8\) at 127\.0\.0\.1:7420 uses the name of peer `one` \(node id 1\), which ran first/);
  send(valid({ nodeId: 9, name: 'one', epoch: 1000, view: Bitset.of([9]), candidate: { id: 9, epoch: 0 } }));
  const refused = events.find((e) => e.type === 'refused');
  t.is(refused?.code, Messages.DuplicatePeerName.code);
  t.is(refused?.message, 'Duplicate name `one`: it is already used by the peer at 127.0.0.1:7420 (node id 9); this peer is refused.');
  t.regex(member.refused?.hint ?? '', /another `--name`/);
});

test('a bounded fuzz of 100,000 malformed datagrams: no crash, no acceptance, counters match', (t) => {
  const { member, send, valid, key } = live();
  const base = valid();
  let rnd = 12345;
  const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0);
  const started = Date.now();
  let sent = 0;
  for (let i = 0; i < 100_000 && Date.now() - started < 60_000; i++) {
    const kind = next() % 4;
    let d: Buffer;
    if (kind === 0) {
      d = randomBytes(next() % 1400);
    } else if (kind === 1) {
      // Random bytes behind a valid header prefix.
      d = Buffer.concat([base.subarray(0, 8), randomBytes(next() % 1200)]);
    } else if (kind === 2) {
      // Mutations of a valid datagram, left unsigned.
      d = Buffer.from(base);
      for (let m = 0; m < 1 + (next() % 8); m++) d[next() % d.length] = next() & 255;
      if (d.equals(base)) d[0]! ^= 1;
    } else {
      // Mutations of the body, re-signed with the group key: the parser must hold on its own.
      d = Buffer.from(base);
      for (let m = 0; m < 1 + (next() % 8); m++) d[8 + (next() % (d.length - 24))] = next() & 255;
      d = Buffer.from(sealDatagram(key, d));
      d.writeBigUInt64BE(0n, 22); // seq 0 is never fresh for node 7 after the first
    }
    send(d);
    sent++;
  }
  t.true(sent >= 10_000, `only ${sent} datagrams in the time allowed`);
  t.is(member.counters.internalErrors, 0);
  // Re-signed mutations can only be accepted if they happen to decode as a valid heartbeat; those count too.
  t.is(member.drops.total() + member.counters.heartbeatsAccepted, sent);
  t.true(member.counters.heartbeatsAccepted <= 1);
});
