/**
 * Outgoing peer links and their failures (docs/design/group.md §2.1 "Peer links"): a failure says
 * why (`refused`, `timeout`, ...) and which admission of the peer the link was made for; a link
 * made for an earlier admission is not used for a later one, and giving it up is not a failure.
 * Loopback only.
 */
import test from 'ava';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { TcpMessageTransport } from '../../runtime/group/tcp-message-transport.js';
import type { LinkFailure } from '../../runtime/group/transport.js';
import { waitFor } from '../support/wait.js';

const HOST = '127.0.0.1';

/** A server that accepts connections and never says anything; `close` ends them too. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, HOST, () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('a refused connection is reported with its cause and the admission it was made for', async (t) => {
  const key = new GroupKey(randomBytes(32));
  const a = await TcpMessageTransport.open({ self: 1, epoch: 100, key, host: HOST });
  t.teardown(() => a.close());
  const failures: [number, LinkFailure | undefined][] = [];
  a.onLinkFailure((peer, f) => void failures.push([peer, f]));
  a.send({ id: 2, contact: { host: HOST, port: await closedPort() }, admission: 7 }, { k: 'x' });
  t.true(await waitFor(() => failures.length > 0, 2000));
  t.deepEqual(failures, [[2, { cause: 'refused', admission: 7 }]]);
});

test('a peer that accepts but never greets fails the link after the connect timeout', async (t) => {
  const key = new GroupKey(randomBytes(32));
  const silent = await silentServer();
  const a = await TcpMessageTransport.open({ self: 1, epoch: 100, key, host: HOST, connectTimeoutMs: 300 });
  t.teardown(async () => {
    await a.close();
    await silent.close();
  });
  const failures: LinkFailure[] = [];
  a.onLinkFailure((_peer, f) => void failures.push(f!));
  const started = Date.now();
  a.send({ id: 2, contact: { host: HOST, port: silent.port }, admission: 3 }, { k: 'x' });
  t.true(await waitFor(() => failures.length > 0, 3000));
  const took = Date.now() - started;
  t.deepEqual(failures, [{ cause: 'timeout', admission: 3 }]);
  t.true(took >= 250 && took < 2000, `failed after ${took} ms (connect timeout 300 ms)`);
});

test('a link made for an earlier admission is given up silently when the peer is admitted again; messages go on a new one', async (t) => {
  const key = new GroupKey(randomBytes(32));
  const silent = await silentServer();
  const a = await TcpMessageTransport.open({ self: 1, epoch: 100, key, host: HOST, connectTimeoutMs: 5000 });
  const b = await TcpMessageTransport.open({ self: 2, epoch: 200, key, host: HOST });
  t.teardown(async () => {
    await a.close();
    await b.close();
    await silent.close();
  });
  const failures: LinkFailure[] = [];
  a.onLinkFailure((_peer, f) => void failures.push(f!));
  const got: unknown[] = [];
  b.onMessage((from, m) => void got.push([from, m]));
  // Admission 1: a connection that hangs (the peer never greets).
  a.send({ id: 2, contact: { host: HOST, port: silent.port }, admission: 1 }, { k: 'lost' });
  await new Promise((r) => setTimeout(r, 100));
  // Admission 2 (at its real address): the hung link is dropped without a failure.
  a.send({ id: 2, contact: b.address, admission: 2 }, { k: 'hello' });
  t.true(await waitFor(() => got.length > 0, 2000));
  t.deepEqual(got, [[1, { k: 'hello' }]]);
  await new Promise((r) => setTimeout(r, 200));
  t.deepEqual(failures, [], 'giving up the earlier link is no failure');
});
