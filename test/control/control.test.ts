import test from 'ava';
import { connect } from 'node:net';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { ControlServer, ControlRefusal } from '../../runtime/control/control-server.js';
import { controlRequest, ControlError } from '../../runtime/control/control-client.js';
import { signedHeaders as sign } from '../../runtime/control/signing.js';

const key = new GroupKey(randomBytes(32));
const otherKey = new GroupKey(randomBytes(32));

async function server(options: Partial<ConstructorParameters<typeof ControlServer>[0]> = {}) {
  const s = new ControlServer({ key, listen: '127.0.0.1:0', maxBody: 1024, ...options });
  s.route('echo', (body) => body);
  s.route('refuse', () => {
    throw new ControlRefusal('SF4999', 'Not today.', 409);
  });
  s.route('explode', () => {
    throw new Error('boom');
  });
  const address = await s.start();
  return { s, address };
}

/** Sends raw bytes as a request and returns status and body. */
function rawPost(address: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method: 'POST', headers: { 'content-length': body.length, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers signed for the server at `address` (the tests' servers listen on 127.0.0.1). */
function signedHeaders(k: GroupKey, address: string, path: string, body: Buffer, time = String(Date.now())): Record<string, string> {
  return { 'content-type': 'application/json', ...sign(k, path, address, body, time) };
}

test('a signed request gets its answer, in JSON and in msgpack', async (t) => {
  const { s, address } = await server();
  t.deepEqual(await controlRequest({ peer: address, key, operation: 'echo', body: { a: 1, b: ['x'] } }), { a: 1, b: ['x'] });
  t.deepEqual(await controlRequest({ peer: address, key, operation: 'echo', body: { n: 5 }, format: 'msgpack' }), { n: 5 });
  await s.stop();
});

test('unsigned, wrongly signed, altered, stale and replayed requests are refused with a reason', async (t) => {
  const { s, address } = await server();
  const body = Buffer.from('{"a":1}');
  const unsigned = await rawPost(address, '/v1/echo', { 'content-type': 'application/json' }, body);
  t.is(unsigned.status, 401);
  t.regex(unsigned.body, /SF4303/);

  const wrongKey = await rawPost(address, '/v1/echo', signedHeaders(otherKey, address, '/v1/echo', body), body);
  t.is(wrongKey.status, 401);
  t.regex(wrongKey.body, /SF4304/);

  const altered = await rawPost(address, '/v1/echo', signedHeaders(key, address, '/v1/echo', body), Buffer.from('{"a":2}'));
  t.regex(altered.body, /SF4304/);

  const stale = await rawPost(address, '/v1/echo', signedHeaders(key, address, '/v1/echo', body, String(Date.now() - 120_000)), body);
  t.regex(stale.body, /SF4305/);

  const headers = signedHeaders(key, address, '/v1/echo', body);
  t.is((await rawPost(address, '/v1/echo', headers, body)).status, 200);
  const replay = await rawPost(address, '/v1/echo', headers, body);
  t.is(replay.status, 401);
  t.regex(replay.body, /SF4306/);
  t.deepEqual(s.refused, { SF4303: 1, SF4304: 2, SF4305: 1, SF4306: 1 });
  await s.stop();
});

test('oversized and malformed bodies, unknown operations and failing handlers get clear refusals', async (t) => {
  const { s, address } = await server();
  const big = Buffer.alloc(4096, 0x20);
  const tooBig = await rawPost(address, '/v1/echo', signedHeaders(key, address, '/v1/echo', big), big);
  t.is(tooBig.status, 413);
  const bad = Buffer.from('{not json');
  t.regex((await rawPost(address, '/v1/echo', signedHeaders(key, address, '/v1/echo', bad), bad)).body, /SF4307/);
  await t.throwsAsync(controlRequest({ peer: address, key, operation: 'nothing' }), { instanceOf: ControlError, message: /Unknown operation/ });
  const refused = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'refuse' }), { instanceOf: ControlError });
  t.is(refused!.code, 'SF4999');
  t.is(refused!.status, 409);
  const failed = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'explode' }), { instanceOf: ControlError });
  t.is(failed!.code, 'SF4308');
  t.regex(failed!.message, /boom/);
  t.notRegex(failed!.message, /at .*\.ts/);
  await s.stop();
});

test('a client refuses an answer not signed with its key, and says when nobody listens', async (t) => {
  const { s, address } = await server({ key: otherKey });
  // A peer of another group refuses our signature: the key files differ.
  const e = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'echo' }), { instanceOf: ControlError });
  t.is(e!.code, 'SF4304');
  t.regex(e!.message, /not signed with that peer's group key \(a different key file\?\)/);
  await s.stop();
  // Something that answers without our signature is not believed, whatever it says.
  const { createServer } = await import('node:http');
  const impostor = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":{"ok":true}}'));
  await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
  const at = `127.0.0.1:${(impostor.address() as { port: number }).port}`;
  const unsigned = await t.throwsAsync(controlRequest({ peer: at, key, operation: 'echo' }), { instanceOf: ControlError });
  t.is(unsigned!.code, 'SF4310');
  impostor.close();
  const gone = await t.throwsAsync(controlRequest({ peer: address, key, operation: 'echo', timeoutMs: 2000 }), { instanceOf: ControlError });
  t.is(gone!.code, 'SF4311');
});

test('garbage on the socket does not hurt the server', async (t) => {
  const { s, address } = await server();
  const [host, port] = address.split(':');
  for (let i = 0; i < 30; i++) {
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), host, () => {
        socket.end(randomBytes(1 + (i * 37) % 2000));
      });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.setTimeout(300, () => socket.destroy());
    });
  }
  t.deepEqual(await controlRequest({ peer: address, key, operation: 'echo', body: { still: 'alive' } }), { still: 'alive' });
  await s.stop();
});
