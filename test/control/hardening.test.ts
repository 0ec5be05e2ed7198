/**
 * The control API's defences against replays to another peer or to a restarted peer, and
 * against bodies sent by whoever has no key: the headers are judged before the body is read.
 */
import test from 'ava';
import { connect } from 'node:net';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { ControlServer, MAX_CONNECTIONS, MAX_UNAUTHENTICATED_PER_SOURCE } from '../../runtime/control/control-server.js';
import { controlRequest, ControlError, EXPECT_CONTINUE_BYTES } from '../../runtime/control/control-client.js';
import { canonicalTarget, signedHeaders, HEADER_TARGET } from '../../runtime/control/signing.js';

const key = new GroupKey(randomBytes(32));
const otherKey = new GroupKey(randomBytes(32));

/** A server whose `terminate` and `deploy` count their calls, as a peer's would act on them. */
async function server(options: Partial<ConstructorParameters<typeof ControlServer>[0]> = {}) {
  const calls = { terminate: 0, deploy: 0 };
  const s = new ControlServer({ key, listen: '127.0.0.1:0', ...options });
  s.route('terminate', () => ({ terminated: ++calls.terminate }));
  s.route('deploy', () => ({ deployed: ++calls.deploy }));
  s.route('echo', (body) => body);
  const address = await s.start();
  return { s, address, calls };
}

function rawPost(address: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends only a request's head (and `partial` body bytes, if any), then waits, sending nothing
 * more, for what the server does: its answer and whether it closed the connection.
 */
function headOnly(address: string, head: string, partial = Buffer.alloc(0), limitMs = 8000): Promise<{ answer: string; closed: boolean }> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(Number(port), host, () => {
      socket.write(head);
      if (partial.length) socket.write(partial);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closed: false });
    }, limitMs);
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closed: true });
    });
  });
}

function head(path: string, length: number, headers: Record<string, string> = {}): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: peer', 'Content-Type: application/json', `Content-Length: ${length}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

test('a signed request is good for the peer it was signed for only: a replay to another peer of the group is refused', async (t) => {
  const a = await server();
  const b = await server();
  try {
    // The client's own requests reach both.
    t.deepEqual(await controlRequest({ peer: a.address, key, operation: 'echo', body: { x: 1 } }), { x: 1 });
    t.deepEqual(await controlRequest({ peer: b.address, key, operation: 'echo', body: { x: 2 }, format: 'msgpack' }), { x: 2 });

    // A captured `terminate` for A: accepted once by A, refused as a replay by A, refused by B.
    const body = Buffer.from('{"app":"demo"}');
    const headers = signedHeaders(key, '/v1/terminate', a.address, body);
    t.is((await rawPost(a.address, '/v1/terminate', headers, body)).status, 200);
    const again = await rawPost(a.address, '/v1/terminate', headers, body);
    t.is(again.status, 401);
    t.regex(again.body, /SF4306/);
    const elsewhere = await rawPost(b.address, '/v1/terminate', headers, body);
    t.is(elsewhere.status, 421);
    t.regex(elsewhere.body, /SF4312/);
    t.regex(elsewhere.body, /signed for another peer/);
    t.is(a.calls.terminate, 1);
    t.is(b.calls.terminate, 0, 'B did not act on a request meant for A');

    // A deploy for A cannot start a second copy on B either.
    const deploy = Buffer.from('{"name":"demo"}');
    const deployHeaders = signedHeaders(key, '/v1/deploy', a.address, deploy);
    t.is((await rawPost(a.address, '/v1/deploy', deployHeaders, deploy)).status, 200);
    t.regex((await rawPost(b.address, '/v1/deploy', deployHeaders, deploy)).body, /SF4312/);
    t.is(b.calls.deploy, 0);

    // The target header cannot simply be rewritten: it is signed.
    const rewritten = await rawPost(b.address, '/v1/terminate', { ...signedHeaders(key, '/v1/terminate', a.address, body), [HEADER_TARGET]: b.address }, body);
    t.is(rewritten.status, 401);
    t.regex(rewritten.body, /SF4304/);
    t.is(b.calls.terminate, 0);
  } finally {
    await a.s.stop();
    await b.s.stop();
  }
});

test('a request to a peer\'s previous run is refused after a restart on the same address', async (t) => {
  const first = await server();
  const body = Buffer.from('{"app":"demo"}');
  const headers = signedHeaders(key, '/v1/terminate', first.address, body);
  t.is((await rawPost(first.address, '/v1/terminate', headers, body)).status, 200);
  await first.s.stop();
  // The restart happens after the request was signed (a later millisecond).
  for (let i = 0; i < 100 && Date.now() <= Number(headers['x-frog-time']); i++) await new Promise((r) => setTimeout(r, 5));

  const second = await server({ listen: first.address });
  try {
    t.is(second.address, first.address);
    const replay = await rawPost(second.address, '/v1/terminate', headers, body);
    t.is(replay.status, 401);
    t.regex(replay.body, /SF4313/);
    t.regex(replay.body, /before this peer started/);
    t.is(second.calls.terminate, 0, 'the restarted peer did not act on the old request');
    // New requests are served.
    t.deepEqual(await controlRequest({ peer: second.address, key, operation: 'terminate', body: { app: 'demo' } }), { terminated: 1 });
  } finally {
    await second.s.stop();
  }
});

test('a client whose clock is behind a freshly started peer is told why it is refused, in a signed answer', async (t) => {
  const { s, address } = await server();
  try {
    const e = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'echo', now: () => Date.now() - 20_000 }), { instanceOf: ControlError });
    t.is(e!.code, 'SF4313');
    t.regex(e!.reason, /clock is \d+ ms or more behind/);
    // Far behind: the clock window speaks first.
    const stale = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'echo', now: () => Date.now() - 120_000 }), { instanceOf: ControlError });
    t.is(stale!.code, 'SF4305');
  } finally {
    await s.stop();
  }
});

test('the signed target is the address the socket reached: names are resolved, IPv6-mapped IPv4 is normalised', async (t) => {
  t.is(canonicalTarget('::ffff:127.0.0.1', 7420), '127.0.0.1:7420');
  t.is(canonicalTarget('::FFFF:10.1.2.3', 80), '10.1.2.3:80');
  t.is(canonicalTarget('::1', 7420), '[::1]:7420');
  t.is(canonicalTarget('fe80::1%eth0', 7420), '[fe80::1]:7420');
  t.is(canonicalTarget(undefined, 7420), undefined);

  const { s, address } = await server();
  try {
    const port = address.split(':')[1];
    t.deepEqual(await controlRequest({ peer: `localhost:${port}`, key, operation: 'echo', body: { by: 'name' } }).catch((e) => (e as ControlError).code), { by: 'name' });
  } finally {
    await s.stop();
  }

  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; where IPv6 is available.
  const dual = new ControlServer({ key, listen: '[::]:0' });
  dual.route('echo', (body) => body);
  let bound: string;
  try {
    bound = await dual.start();
  } catch {
    t.log('no IPv6 here: dual-stack case skipped');
    return;
  }
  try {
    const port = bound.slice(bound.lastIndexOf(':') + 1);
    t.deepEqual(await controlRequest({ peer: `127.0.0.1:${port}`, key, operation: 'echo', body: { v: 4 } }), { v: 4 });
    t.deepEqual(await controlRequest({ peer: `[::1]:${port}`, key, operation: 'echo', body: { v: 6 } }), { v: 6 });
  } finally {
    await dual.stop();
  }
});

test('headers are judged before the body: an unsigned or forged request with a large declared body is refused without sending it', async (t) => {
  const { s, address, calls } = await server({ maxBody: 16 * 1024 * 1024 });
  try {
    const size = 16 * 1024 * 1024;
    const unsigned = await headOnly(address, head('/v1/deploy', size));
    t.regex(unsigned.answer, /^HTTP\/1\.1 401/);
    t.regex(unsigned.answer, /SF4303/);
    t.true(unsigned.closed, 'the server closed the connection rather than wait for the body');

    // Well-formed headers with a wrong key: refused the same way (the signature covers the body's digest).
    const forged = signedHeaders(otherKey, '/v1/deploy', address, Buffer.alloc(size));
    const wrong = await headOnly(address, head('/v1/deploy', size, forged));
    t.regex(wrong.answer, /^HTTP\/1\.1 401/);
    t.regex(wrong.answer, /SF4304/);
    t.true(wrong.closed);

    // Signed but declaring more than the limit: refused (signed answer) before the body.
    const tooBig = signedHeaders(key, '/v1/deploy', address, Buffer.alloc(0));
    const big = await headOnly(address, head('/v1/deploy', size + 1, tooBig));
    t.regex(big.answer, /^HTTP\/1\.1 413/);
    t.regex(big.answer, /SF4302/);
    t.true(big.closed);

    // No declared length at all.
    const chunked = await headOnly(address, `POST /v1/deploy HTTP/1.1\r\nHost: peer\r\nTransfer-Encoding: chunked\r\n${Object.entries(signedHeaders(key, '/v1/deploy', address, Buffer.alloc(0))).map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`);
    t.regex(chunked.answer, /^HTTP\/1\.1 411/);
    t.is(calls.deploy, 0);
    t.deepEqual(s.refused, { SF4303: 1, SF4304: 1, SF4302: 2 });
  } finally {
    await s.stop();
  }
});

test('a large body waits for 100 Continue: a refusal of its headers reaches the client as an answer, an accepted one is sent', async (t) => {
  const { s, address } = await server({ maxBody: 256 * 1024 });
  try {
    const payload = 'x'.repeat(200 * 1024);
    t.true(payload.length > EXPECT_CONTINUE_BYTES);
    t.deepEqual(await controlRequest({ peer: address, key, operation: 'echo', body: { payload } }), { payload });
    const large = 'y'.repeat(1024 * 1024);
    const e = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'echo', body: { large } }), { instanceOf: ControlError });
    t.is(e!.code, 'SF4302');
    t.is(e!.status, 413);
    // A body within the limit but headers refused (a clock too far behind): the answer, not a reset.
    const stale = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'echo', body: { payload }, now: () => Date.now() - 60_000 }), { instanceOf: ControlError });
    t.is(stale!.code, 'SF4305');
  } finally {
    await s.stop();
  }
});

test('an accepted request whose body does not come in time is dropped, and the connection cap is modest', async (t) => {
  t.true(MAX_CONNECTIONS <= 128, `at most 128 connections at once, not ${MAX_CONNECTIONS}`);
  const { s, address } = await server({ bodyTimeoutMs: 300 });
  try {
    const body = Buffer.from('{"app":"demo"}');
    const headers = signedHeaders(key, '/v1/terminate', address, body);
    const slow = await headOnly(address, head('/v1/terminate', body.length, headers), body.subarray(0, 3));
    t.true(slow.closed, 'the server gave up on the body');
    t.is(s.refused.timeout, 1);
    t.deepEqual(await controlRequest({ peer: address, key, operation: 'echo', body: { still: 'serving' } }), { still: 'serving' });
  } finally {
    await s.stop();
  }
});

test('a request travels on the one connection it signed, and a peer that never answers releases the client at its timeout', async (t) => {
  const { createServer } = await import('node:net');
  const connections: { closed: boolean; bytes: number }[] = [];
  const silent = createServer((socket) => {
    const c = { closed: false, bytes: 0 };
    connections.push(c);
    socket.on('data', (d) => (c.bytes += d.length));
    socket.on('close', () => (c.closed = true));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    const started = Date.now();
    const error = await controlRequest({ peer: `127.0.0.1:${port}`, key, operation: 'status', timeoutMs: 500 }).catch((e) => e as ControlError);
    t.true(error instanceof ControlError);
    t.is((error as ControlError).code, 'SF4311');
    t.true(Date.now() - started < 5000);
    await new Promise((r) => setTimeout(r, 200));
    t.is(connections.length, 1, 'one connection, carrying the request');
    t.true(connections[0]!.bytes > 0);
    t.true(connections[0]!.closed, 'the client closed it: nothing keeps the process alive');
  } finally {
    silent.close();
  }
});

test('connections that never send a request are closed within seconds, so they cannot hold the control API', async (t) => {
  const { s, address } = await server();
  const [host, port] = address.split(':');
  try {
    const started = Date.now();
    const closedAfter = await Promise.all(
      Array.from({ length: 5 }, () =>
        new Promise<number>((resolve) => {
          const socket = connect(Number(port), host);
          const guard = setTimeout(() => (socket.destroy(), resolve(Infinity)), 20_000);
          socket.on('error', () => undefined);
          socket.on('close', () => (clearTimeout(guard), resolve(Date.now() - started)));
        }),
      ),
    );
    t.true(closedAfter.every((ms) => ms < 15_000), `closed after ${closedAfter.join(', ')} ms`);
    // A well-formed request is still served afterwards.
    t.deepEqual(await controlRequest({ peer: address, key, operation: 'echo', body: { ok: 1 } }), { ok: 1 });
  } finally {
    await s.stop();
  }
});

test('a flood of idle and slow connections from one source never keeps a signed client out', async (t) => {
  const { s, address } = await server();
  const [host, port] = address.split(':');
  const sockets: ReturnType<typeof connect>[] = [];
  try {
    // 300 connections: half say nothing, half trickle a request line and never finish it.
    for (let i = 0; i < 300; i++) {
      const socket = connect(Number(port), host);
      socket.on('error', () => undefined);
      if (i % 2) socket.on('connect', () => socket.write('POST /v1/echo HTTP/1.1\r\nHost: x\r\n'));
      sockets.push(socket);
    }
    await new Promise((r) => setTimeout(r, 300));
    const open = s.connections;
    t.true(open.unauthenticated <= MAX_UNAUTHENTICATED_PER_SOURCE, `${open.unauthenticated} unauthenticated connections kept`);
    // Clients with the key are served all through the flood.
    for (let i = 0; i < 5; i++) {
      t.deepEqual(await controlRequest({ peer: address, key, operation: 'echo', body: { i }, timeoutMs: 3000 }), { i });
    }
    t.true((s.refused.evicted ?? 0) >= 300 - MAX_UNAUTHENTICATED_PER_SOURCE, `evicted ${s.refused.evicted}`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await s.stop();
  }
});
