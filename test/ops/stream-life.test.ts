/**
 * A monitor stream outlives the control server's request timeouts: they bound how long a request
 * takes to arrive, not how long its answer streams.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { controlStream } from '../../runtime/control/control-client.js';
import { ControlServer } from '../../runtime/control/control-server.js';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { sleep } from '../support/wait.js';

test('a stream lives past the request timeout, with keep-alive lines, until the server stops', async (t) => {
  const key = new GroupKey(randomBytes(32));
  // Requests must arrive within 0.1 s + 10 s here; the stream is kept 12 s.
  const server = new ControlServer({ key, listen: '127.0.0.1:0', bodyTimeoutMs: 100, streamKeepaliveMs: 500 });
  let n = 0;
  server.stream('count', () => (sink) => {
    const timer = setInterval(() => sink.send({ n: n++ }), 1000);
    sink.onClose(() => clearInterval(timer));
  });
  const address = await server.start();
  t.teardown(() => server.stop());
  const values: unknown[] = [];
  const stream = controlStream({ peer: address, key, operation: 'count', onValue: (v) => void values.push(v), idleMs: 3000 });
  await sleep(12_000);
  t.is(server.streamCount, 1, 'still open');
  t.true(values.some((v) => (v as { n?: number }).n === 10));
  t.true(values.some((v) => (v as { keepalive?: number }).keepalive !== undefined));
  await server.stop();
  const end = await stream.ended;
  t.regex(end.error!.message, /went away/);
});
