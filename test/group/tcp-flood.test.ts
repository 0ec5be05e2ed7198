/**
 * Unauthenticated connections to the peer-to-peer message port cost little and do not last:
 * the first frame may be only a few hundred bytes, a connection that has not authenticated within
 * the handshake timeout is closed, and connections not yet authenticated are capped in all and per
 * source address. Every refusal is counted by reason; a genuine link works throughout.
 * Loopback only; the number of sockets and every wait are bounded.
 */
import test from 'ava';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { DEFAULT_MAX_FRAME, FRAME_MAGIC, FRAME_VERSION, TcpMessageTransport } from '../../runtime/group/tcp-message-transport.js';
import { waitFor } from '../support/wait.js';

const HOST = '127.0.0.1';

interface Client {
  socket: net.Socket;
  closed: boolean;
}

/** Opens a connection that writes `bytes` (if any) and then stays open until the other side closes it. */
function client(port: number, bytes: Buffer | null, all: Client[]): Client {
  const socket = net.connect(port, HOST, () => {
    if (bytes) socket.write(bytes);
  });
  const c: Client = { socket, closed: false };
  socket.resume();
  socket.on('error', () => socket.destroy());
  socket.on('close', () => (c.closed = true));
  all.push(c);
  return c;
}

function header(length: number): Buffer {
  const h = Buffer.alloc(10);
  h.writeUInt32BE(FRAME_MAGIC, 0);
  h[4] = FRAME_VERSION;
  h[5] = 0;
  h.writeUInt32BE(length, 6);
  return h;
}

/** A peer under attack (1), a genuine peer (2) that may link to it, the attack's sockets, and what 1 received; closed after the test. */
async function victimAndSender(t: import('ava').ExecutionContext, victimOptions: { handshakeTimeoutMs: number; maxPendingPerSource?: number }) {
  const key = new GroupKey(randomBytes(32));
  const victim = await TcpMessageTransport.open({ self: 1, epoch: 10, key, host: HOST, ...victimOptions });
  const sender = await TcpMessageTransport.open({ self: 2, epoch: 20, key, host: HOST });
  const clients: Client[] = [];
  t.teardown(async () => {
    for (const c of clients) c.socket.destroy();
    await sender.close();
    await victim.close();
  });
  const got: unknown[] = [];
  victim.onMessage((from, m) => got.push([from, m]));
  return { victim, sender, clients, got };
}

async function genuineLinkWorks(t: import('ava').ExecutionContext, sender: TcpMessageTransport, receiver: TcpMessageTransport, got: unknown[], n: number): Promise<void> {
  sender.send({ id: 1, contact: receiver.address }, { n });
  t.true(await waitFor(() => got.some((g) => (g as [number, { n: number }])[1].n === n), 10_000), `genuine message ${n} delivered`);
}

test.serial('idle connections are closed after the handshake timeout; more than the per-source cap are refused at once', async (t) => {
  const { victim, sender, clients, got } = await victimAndSender(t, { handshakeTimeoutMs: 1000, maxPendingPerSource: 16 });

  for (let i = 0; i < 24; i++) client(victim.address!.port, null, clients);
  t.true(await waitFor(() => victim.counters.dropped.source === 8, 10_000), `8 refused at once by the per-source cap (${victim.counters.dropped.source})`);
  t.true(await waitFor(() => clients.every((c) => c.closed), 20_000), `all idle connections closed (${clients.filter((c) => !c.closed).length} open)`);
  t.is(victim.counters.dropped.timeout, 16);
  t.is(victim.counters.dropped.source, 8);
  t.true(await waitFor(() => victim.inboundConnections === 0, 5000));

  // The per-source budget is free again: a genuine sender gets through.
  await genuineLinkWorks(t, sender, victim, got, 1);
  t.is(victim.counters.badFrames, 0, 'no frame was bad: these were connection drops');
});

test.serial('300 unauthenticated connections each declaring a 1 MiB first frame are closed at once and counted', async (t) => {
  const { victim, sender, clients, got } = await victimAndSender(t, { handshakeTimeoutMs: 30_000 });
  await genuineLinkWorks(t, sender, victim, got, 1);

  // A declared length of exactly the frame limit (accepted from an authenticated peer) plus 64 KiB of it.
  const attack = Buffer.concat([header(DEFAULT_MAX_FRAME), randomBytes(64 * 1024)]);
  const N = 300;
  for (let i = 0; i < N; i++) client(victim.address!.port, attack, clients);
  // The handshake timeout (30 s) is far beyond this wait: what closes them is the first-frame limit and the caps.
  t.true(await waitFor(() => clients.every((c) => c.closed), 20_000), `all flood connections closed (${clients.filter((c) => !c.closed).length} open)`);
  const d = victim.counters.dropped;
  t.is(d.size + d.source + d.pending + d.connections, N, JSON.stringify(d));
  t.true(d.size >= 1, 'some reached the first-frame check');
  t.is(d.timeout, 0);
  t.true(await waitFor(() => victim.inboundConnections <= 1, 5000), `only the genuine link stays (${victim.inboundConnections})`);

  // The genuine link was not disturbed, and a new message still gets through.
  await genuineLinkWorks(t, sender, victim, got, 2);
  t.deepEqual(got, [[2, { n: 1 }], [2, { n: 2 }]]);
});

test.serial('a first frame larger than the open-frame limit is refused before it is buffered', async (t) => {
  const key = new GroupKey(randomBytes(32));
  const victim = await TcpMessageTransport.open({ self: 1, epoch: 10, key, host: HOST });
  const clients: Client[] = [];
  t.teardown(async () => {
    for (const c of clients) c.socket.destroy();
    await victim.close();
  });
  // 4 KiB is far below the frame limit but far above what an open frame needs.
  client(victim.address!.port, header(4096), clients);
  t.true(await waitFor(() => clients[0]!.closed, 10_000), 'closed without waiting for the body');
  t.is(victim.counters.dropped.size, 1);
});

test.serial('a cap on all inbound connections and on all pending ones', async (t) => {
  const key = new GroupKey(randomBytes(32));
  const a = await TcpMessageTransport.open({ self: 1, epoch: 10, key, host: HOST, maxPending: 5, maxPendingPerSource: 100, handshakeTimeoutMs: 20_000 });
  const b = await TcpMessageTransport.open({ self: 1, epoch: 10, key, host: HOST, maxConnections: 3, handshakeTimeoutMs: 20_000 });
  const clients: Client[] = [];
  t.teardown(async () => {
    for (const c of clients) c.socket.destroy();
    await a.close();
    await b.close();
  });
  for (let i = 0; i < 8; i++) client(a.address!.port, null, clients);
  for (let i = 0; i < 8; i++) client(b.address!.port, null, clients);
  t.true(await waitFor(() => a.counters.dropped.pending === 3 && b.counters.dropped.connections === 5, 10_000), JSON.stringify([a.counters.dropped, b.counters.dropped]));
  t.is(a.inboundConnections, 5);
  t.is(b.inboundConnections, 3);
});
