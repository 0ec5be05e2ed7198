/**
 * The multicast socket receives its group's datagrams and nothing else: not another group's on the
 * same port, not a unicast datagram sent to the port. And a per-source token bucket drops a flood
 * before authentication. Loopback only (interface 127.0.0.1, TTL 1), ports 45210–45219.
 *
 * The unicast sender below is the one use of `node:dgram` outside the transport: the transport
 * itself can only send to its group.
 */
import test from 'ava';
import dgram from 'node:dgram';
import { SourceRateLimiter, TRUST_MS, UdpMulticastTransport } from '../../runtime/group/udp-multicast-transport.js';
import { sleep, waitFor } from '../support/wait.js';
import { randomBytes } from 'node:crypto';
import { AuthenticatedDatagramTransport, GroupKey, sealDatagram } from '../../runtime/group/authenticated-transport.js';
import { DropCounters, MIN_DATAGRAM, PROTOCOL_MAGIC, WIRE_VERSION } from '../../runtime/group/wire.js';

const IFACE = '127.0.0.1';

function collect(t: UdpMulticastTransport): string[] {
  const got: string[] = [];
  t.onReceive((d) => got.push(Buffer.from(d).toString()));
  return got;
}

test.serial('two groups on one port do not see each other; a unicast datagram to the port is not received', async (t) => {
  const port = 45210;
  const a = await UdpMulticastTransport.open({ group: '239.255.42.101', port, interfaceAddress: IFACE });
  const a2 = await UdpMulticastTransport.open({ group: '239.255.42.101', port, interfaceAddress: IFACE });
  const b = await UdpMulticastTransport.open({ group: '239.255.42.102', port, interfaceAddress: IFACE });
  const unicast = dgram.createSocket('udp4');
  t.teardown(async () => {
    unicast.close();
    for (const x of [a, a2, b]) await x.close();
  });
  const [gotA, gotA2, gotB] = [collect(a), collect(a2), collect(b)];

  // A unicast datagram to the group port, sent first so that it would be in the queue before the markers.
  await new Promise<void>((resolve) => unicast.send('unicast', port, IFACE, () => resolve()));
  a.send(Buffer.from('to-101'));
  b.send(Buffer.from('to-102'));
  // Positive controls: each group's members get their group's datagram (loopback delivers our own too).
  t.true(await waitFor(() => gotA.includes('to-101') && gotA2.includes('to-101') && gotB.includes('to-102'), 5000), JSON.stringify({ gotA, gotA2, gotB }));
  // Anything else sent before would have been delivered by now; give stragglers a moment more anyway.
  a.send(Buffer.from('marker-101'));
  b.send(Buffer.from('marker-102'));
  t.true(await waitFor(() => gotA2.includes('marker-101') && gotB.includes('marker-102'), 5000));
  await sleep(100);
  t.false(gotB.includes('to-101') || gotB.includes('marker-101'), `group 102 saw 101's traffic: ${JSON.stringify(gotB)}`);
  t.false(gotA.includes('to-102') || gotA2.includes('to-102'), `group 101 saw 102's traffic: ${JSON.stringify([gotA, gotA2])}`);
  for (const got of [gotA, gotA2, gotB]) t.false(got.includes('unicast'), `a unicast datagram was received: ${JSON.stringify(got)}`);
});

test.serial('a per-source token bucket drops a flood before anything reads it', async (t) => {
  const port = 45212;
  const group = '239.255.42.103';
  const receiver = await UdpMulticastTransport.open({ group, port, interfaceAddress: IFACE, rateLimit: { perSecond: 5, burst: 10 } });
  const flooder = await UdpMulticastTransport.open({ group, port, interfaceAddress: IFACE, rateLimit: false });
  t.teardown(async () => {
    await receiver.close();
    await flooder.close();
  });
  const got = collect(receiver);
  const echoed = collect(flooder);
  const start = Date.now();
  const N = 100;
  for (let i = 0; i < N; i++) flooder.send(datagram(5));
  // The flooder, without a limit, sees its own datagrams come back: the flood did arrive.
  t.true(await waitFor(() => echoed.length >= N / 2 && receiver.counters.rateLimited + receiver.counters.received >= N / 2, 5000), `${echoed.length} echoed`);
  await sleep(200);
  const elapsed = (Date.now() - start) / 1000;
  t.true(got.length >= 10, `the burst passes (${got.length})`);
  t.true(got.length <= 10 + Math.ceil(5 * elapsed) + 1, `no more than the bucket allows: ${got.length} in ${elapsed} s`);
  t.true(receiver.counters.rateLimited >= 1, 'drops counted');
  t.is(receiver.counters.received, got.length);
});

test('the token bucket: per source, refilled with time, a bounded number of sources', (t) => {
  let now = 0;
  const limiter = new SourceRateLimiter(10, 3, () => now, 4);
  t.deepEqual([1, 2, 3, 4].map(() => limiter.allow('10.0.0.1:5000')), [true, true, true, false]);
  now += 100; // one token
  t.true(limiter.allow('10.0.0.1:5000'));
  t.false(limiter.allow('10.0.0.1:5000'));
  now += 10_000;
  t.deepEqual([1, 2, 3, 4].map(() => limiter.allow('10.0.0.1:5000')), [true, true, true, false], 'never more than the burst');
  // Untrusted sources also share one bucket: a flood from one of them leaves no room for the others...
  t.false(limiter.allow('10.0.0.2:5000'), 'the untrusted share is spent');
  now += 10_000;
  // ...but a trusted source (its datagrams verified) has a bucket of its own, whatever the others do.
  limiter.trust('10.0.0.3:5000');
  t.deepEqual([1, 2, 3].map(() => limiter.allow('10.0.0.1:5000')), [true, true, true]);
  t.false(limiter.allow('10.0.0.2:5000'));
  t.deepEqual([1, 2, 3, 4].map(() => limiter.allow('10.0.0.3:5000')), [true, true, true, false], 'trusted: its own burst');
  // Trust lapses after TRUST_MS without a verified datagram.
  now += TRUST_MS + 1;
  t.deepEqual([1, 2, 3, 4].map(() => limiter.allow('10.0.0.3:5000')), [true, true, true, false]);
  t.false(limiter.allow('10.0.0.2:5000'), 'back in the shared bucket, which it has just used up');
  // A full table: a source whose bucket has refilled is forgotten to make room; when every
  // tracked bucket is in use, new sources share one overflow bucket until old buckets have refilled.
  now += 10_000;
  for (const s of ['a', 'b']) t.true(limiter.allow(s));
  t.true(limiter.sources <= 4);
  now += 10_000;
  for (const s of ['c', 'd', 'e', 'f']) limiter.allow(s);
  t.true(limiter.sources <= 4, 'the table stays bounded');
});

/** A heartbeat-shaped datagram from node `id`, sealed with `key` (or left unsigned). */
function datagram(id: number, key?: GroupKey): Buffer {
  const d = Buffer.alloc(MIN_DATAGRAM + 40);
  d.writeUInt32BE(PROTOCOL_MAGIC, 0);
  d[4] = WIRE_VERSION;
  d.writeUInt16BE(id, 12);
  d.write(`hello from ${id}`, 64);
  return key ? Buffer.from(sealDatagram(key, d)) : d;
}

test.serial('floods from this machine, of garbage or of forged headers, do not starve a peer on this machine', async (t) => {
  const port = 45214;
  const group = '239.255.42.104';
  const key = new GroupKey(randomBytes(32));
  const udp = await UdpMulticastTransport.open({ group, port, interfaceAddress: IFACE, rateLimit: { perSecond: 100, burst: 100 } });
  const peer = await UdpMulticastTransport.open({ group, port, interfaceAddress: IFACE, rateLimit: false });
  const flooder = await UdpMulticastTransport.open({ group, port, interfaceAddress: IFACE, rateLimit: false });
  const drops = new DropCounters();
  const receiver = new AuthenticatedDatagramTransport(udp, key, drops);
  t.teardown(async () => {
    for (const x of [receiver, peer, flooder]) await x.close();
  });
  let heard = 0;
  receiver.onReceive(() => void heard++);
  peer.send(datagram(7, key));
  t.true(await waitFor(() => heard === 1, 5000), 'the peer is heard, and so trusted');
  for (const [flood, what] of [[(i: number) => randomBytes(200 + (i % 300)), 'garbage'], [(i: number) => datagram(100 + (i % 1500)), 'forged headers']] as const) {
    const before = heard;
    for (let round = 0; round < 20; round++) {
      const read = () => udp.counters.received + udp.counters.rateLimited;
      const sent = read() + 501;
      for (let i = 0; i < 250; i++) flooder.send(flood(i));
      peer.send(datagram(7, key));
      for (let i = 250; i < 500; i++) flooder.send(flood(i));
      await sleep(20);
      // What is measured is the peer's own filtering, not the kernel's queue: on a loaded machine
      // this process (which is also the flooder) may read more slowly than it sends, and datagrams
      // that overflow the socket buffer never reach the filters. Let it read the burst first.
      await waitFor(() => read() >= sent, 2000);
    }
    await waitFor(() => heard - before >= 20, 3000);
    t.true(heard - before >= 18, `${what}: the peer's datagrams got through: ${heard - before} of 20`);
  }
  t.true(drops.get('magic') > 1000, `garbage dropped by its magic, no HMAC: ${drops.get('magic')}`);
  t.true(udp.counters.rateLimited > 1000, `forged headers dropped unread beyond the shared bucket: ${udp.counters.rateLimited}`);
  t.true(drops.get('auth') + drops.get('key') <= 100 + 2 * 100, `forged headers verified at most at the shared rate: ${drops.get('auth') + drops.get('key')}`);
});
