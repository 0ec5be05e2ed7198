/**
 * The peer-to-peer message port survives whatever is written to it: random bytes, a wrong
 * magic, a declared length past the frame limit, a frame with a wrong tag, a replayed frame
 * (a captured frame sent again on a new connection).
 * Each bad connection is closed and counted; good links keep working.
 */
import test from 'ava';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { TcpMessageTransport } from '../../runtime/group/tcp-message-transport.js';

function sendRaw(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const done = () => resolve();
    socket.on('close', done);
    socket.on('error', done);
    socket.setTimeout(300, () => socket.destroy());
  });
}

test('garbage, oversized, forged and replayed frames are dropped and counted; good links keep working', async (t) => {
  const key = new GroupKey(randomBytes(32));
  const a = await TcpMessageTransport.open({ self: 1, epoch: 100, key, host: '127.0.0.1' });
  const b = await TcpMessageTransport.open({ self: 2, epoch: 200, key, host: '127.0.0.1' });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const received: unknown[] = [];
  b.onMessage((from, m) => received.push([from, m]));
  const port = b.address!.port;

  const header = (magic: number, length: number) => {
    const h = Buffer.alloc(10);
    h.writeUInt32BE(magic, 0);
    h[4] = 1;
    h[5] = 0;
    h.writeUInt32BE(length, 6);
    return h;
  };
  const attacks: Buffer[] = [
    randomBytes(64),
    header(0xdeadbeef, 4),
    header(0x46524f4d, 0xffffffff),
    Buffer.concat([header(0x46524f4d, 3), Buffer.from([0x93, 1, 2]), Buffer.alloc(16)]),
  ];
  for (let i = 0; i < 50; i++) attacks.push(randomBytes(1 + ((i * 97) % 3000)));
  // A valid frame from the other key's holder would carry a good tag: a frame made with another key must fail.
  const other = await TcpMessageTransport.open({ self: 3, epoch: 300, key: new GroupKey(randomBytes(32)), host: '127.0.0.1' });
  attacks.push(Buffer.from(other.frame(Buffer.from([0x94, 3, 300, 0, 0xc0]))));
  await other.close();
  for (const bytes of attacks) await sendRaw(port, bytes);
  t.true(b.counters.badFrames >= 4, `bad frames counted: ${b.counters.badFrames}`);
  t.deepEqual(received, []);

  // A real link still works afterwards.
  a.send({ id: 2, contact: b.address }, { hello: 'still here' });
  const deadline = Date.now() + 5000;
  while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(received, [[1, { hello: 'still here' }]]);

  // A captured frame of that link replayed on a new connection is refused.
  const before = b.counters.badFrames;
  const captured = a.frame(Buffer.from([0x94, 1, 0xcc, 100, 0, 0x81, 0xa5, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xa1, 0x78]));
  await sendRaw(port, captured);
  t.is(b.counters.badFrames, before + 1);
  t.is(received.length, 1);
});
