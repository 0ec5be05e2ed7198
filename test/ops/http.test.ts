/**
 * The HTTP listener: its endpoints on a real peer (status, query, events with filters), and on
 * its own with stand-in sources: a slow event reader loses events (counted, then announced)
 * rather than growing the peer's memory, and is disconnected when it stays behind; beyond
 * loopback only with a token; 404, 405 and garbage answered without harm.
 */
import test from 'ava';
import { connect, type Socket } from 'node:net';
import { deployCommand } from '../../cli/commands/deploy/action.js';
import { peerCommand } from '../../cli/commands/peer/action.js';
import { memoryIo } from '../../cli/io.js';
import { Messages } from '../../core/messages/index.js';
import { EventStream, type RuntimeEvent } from '../../runtime/host/events.js';
import { HttpListener, HttpListenerError, type HttpSources } from '../../runtime/http/http-listener.js';
import { sleep, waitFor } from '../support/wait.js';
import { get, hello, livePeer } from './live-peer.js';

/** Reads a server-sent event stream into `events` until `stop` is called. */
function sse(address: string, path: string, headers: Record<string, string> = {}) {
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const res = await fetch(`http://${address}${path}`, { headers, signal: controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (let i = 0; i < 100_000; i++) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  return { events, stop: () => controller.abort(), done };
}

function fakeSources(events = new EventStream()): HttpSources & { events: EventStream } {
  return {
    events,
    metrics: async () => ({ text: 'x 1\n', contentType: 'text/plain' }),
    status: async () => ({ ok: true }),
    query: (name) => ({ name, providers: [] }),
    subscribe: (l) => events.subscribe(l),
  };
}

const event = (i: number, app = 'a'): RuntimeEvent => ({ time: i, peer: 'p', event: 'output', subject: 'sfConfig', app, text: 'x'.repeat(1000) });

test('status, query and events of a real peer, with the app and peer filters', async (t) => {
  const p = await livePeer('http-a', 46311, { http: { listen: '127.0.0.1:0' } });
  t.teardown(() => p.close('test over'));
  const status = await get(p.http!, '/api/status');
  t.is(status.status, 200);
  const s = JSON.parse(status.body);
  t.is(s.peer, 'http-a');
  t.deepEqual(s.applications, []);
  t.is(s.peers[0].members[0].state, 'self');

  const mine = sse(p.http!, '/api/events?app=hello');
  const other = sse(p.http!, '/api/events?app=other');
  const byPeer = sse(p.http!, '/api/events?peer=http-a');
  const nobody = sse(p.http!, '/api/events?peer=nobody');
  t.teardown(() => [mine, other, byPeer, nobody].forEach((x) => x.stop()));
  await sleep(200);
  const io = memoryIo(p.dir);
  t.is(await deployCommand({ file: hello, peer: p.control, keyFile: p.keyFile, includePath: [], wait: 30 }, io), 0, io.err.join(''));
  t.true(await waitFor(() => mine.events.some((e) => e.event === 'terminated' && e.data.subject === 'sfConfig'), 10_000), 'the application ran to its end');
  t.true(mine.events.every((e) => e.data.app === 'hello'));
  t.true(mine.events.some((e) => e.event === 'running' && e.data.subject === 'sfConfig'));
  t.true(await waitFor(() => byPeer.events.length >= mine.events.length, 5000));
  t.is(other.events.length, 0);
  t.is(nobody.events.length, 0);

  const q = await get(p.http!, '/api/query?name=peer/http-a');
  t.is(q.status, 200);
  const answer = JSON.parse(q.body);
  t.is(answer.providers.length, 1);
  t.is(answer.providers[0].peer, 'http-a');
  t.is(answer.providers[0].value.control, p.control);
  const missing = await get(p.http!, '/api/query');
  t.is(missing.status, 400);
  t.regex(JSON.parse(missing.body).error.code, /^SF43\d\d$/);
});

test('a slow event reader loses events, not memory, and is told how many; one that stays behind is disconnected', async (t) => {
  const src = fakeSources();
  const l = new HttpListener({ listen: '127.0.0.1:0', sources: src, streamBacklogBytes: 16 * 1024, streamStallMs: 60_000 });
  const address = await l.start();
  t.teardown(() => l.stop());
  const [host, port] = address.split(':');
  // A reader that sends its request and then does not read.
  const slow: Socket = connect({ host, port: Number(port) });
  await new Promise((r) => slow.once('connect', r));
  slow.write('GET /api/events HTTP/1.1\r\nhost: x\r\n\r\n');
  await sleep(200);
  slow.pause();
  const fast = sse(address, '/api/events');
  t.teardown(() => fast.stop());
  await sleep(200);
  // Far more than socket buffers and the backlog hold, in bounded rounds.
  for (let round = 0; round < 40 && l.counters.dropped === 0; round++) {
    for (let i = 0; i < 500; i++) src.events.emit(event(round * 500 + i));
    await sleep(20);
  }
  t.true(l.counters.dropped > 0, 'events were dropped for the slow reader');
  // A reader that keeps up gets every event sent at a pace it can follow.
  for (let i = 0; i < 30; i++) {
    src.events.emit(event(1_000_000 + i));
    await sleep(10);
  }
  t.true(await waitFor(() => fast.events.filter((e) => Number(e.data.time) >= 1_000_000).length === 30, 10_000), 'a reader that keeps up still gets events');
  // The slow reader catches up: it hears how many it lost.
  let text = '';
  slow.on('data', (c: Buffer) => (text = (text + c.toString('latin1')).slice(-200_000)));
  slow.resume();
  await sleep(300);
  src.events.emit(event(999_999));
  t.true(await waitFor(() => /event: dropped\ndata: \{"dropped":\d+\}/.test(text), 5000), 'the dropped count was announced');
  slow.destroy();

  // With a short stall limit, a reader that never reads is disconnected.
  const l2 = new HttpListener({ listen: '127.0.0.1:0', sources: fakeSources(src.events), streamBacklogBytes: 16 * 1024, streamStallMs: 200 });
  const a2 = await l2.start();
  t.teardown(() => l2.stop());
  const stuck = connect({ host: '127.0.0.1', port: Number(a2.split(':')[1]) });
  await new Promise((r) => stuck.once('connect', r));
  stuck.write('GET /api/events HTTP/1.1\r\nhost: x\r\n\r\n');
  await sleep(100);
  stuck.pause();
  stuck.on('error', () => undefined);
  for (let round = 0; round < 100 && l2.counters.stalled === 0; round++) {
    for (let i = 0; i < 200; i++) src.events.emit(event(i));
    await sleep(30);
  }
  t.is(l2.counters.stalled, 1, 'the stalled reader was disconnected');
  stuck.destroy();
});

test('beyond loopback the listener needs a token, and then every request must carry it', async (t) => {
  const e = t.throws(() => new HttpListener({ listen: '0.0.0.0:0', sources: fakeSources() }), { instanceOf: HttpListenerError });
  t.regex(e!.message, /beyond loopback/);
  t.is(e!.code, Messages.HttpNeedsToken.code);
  const io = memoryIo();
  t.is(await peerCommand({ name: 'x', keyFile: '/nonexistent', http: '0.0.0.0:7480' }, io), 1);
  t.regex(io.err.join(''), /error SF\d+: The HTTP listener would listen on 0\.0\.0\.0:7480, beyond loopback, without a token/);
  const bad = memoryIo();
  t.is(await peerCommand({ name: 'x', keyFile: '/nonexistent', http: 'nowhere' }, bad), 1);
  t.regex(bad.err.join(''), /is not ADDR:PORT/);

  const token = 'a-token-of-32-characters-at-least';
  const l = new HttpListener({ listen: '0.0.0.0:0', token, sources: fakeSources() });
  const address = await l.start();
  t.teardown(() => l.stop());
  const at = `127.0.0.1:${address.split(':').at(-1)}`;
  t.is((await get(at, '/metrics')).status, 401);
  t.is((await get(at, '/metrics', { authorization: 'Bearer wrong-token-wrong-token' })).status, 401);
  const ok = await get(at, '/metrics', { authorization: `Bearer ${token}` });
  t.is(ok.status, 200);
  t.is(ok.body, 'x 1\n');
});

test('unknown paths, other methods and garbage get clear answers, and the listener goes on', async (t) => {
  const l = new HttpListener({ listen: '127.0.0.1:0', sources: fakeSources(), maxConnections: 8 });
  const address = await l.start();
  t.teardown(() => l.stop());
  const nf = await get(address, '/nope');
  t.is(nf.status, 404);
  t.regex(JSON.parse(nf.body).error.reason, /no endpoint `\/nope`/);
  const res = await fetch(`http://${address}/api/status`, { method: 'DELETE' });
  t.is(res.status, 405);
  t.is(res.headers.get('allow'), 'GET');
  t.regex((await res.json()).error.reason, /DELETE is not allowed/);

  const raw = (bytes: Buffer | string) =>
    new Promise<string>((resolve) => {
      const [host, port] = address.split(':');
      const s = connect({ host, port: Number(port) });
      let text = '';
      s.on('data', (c) => (text += c.toString('latin1')));
      s.on('error', () => resolve(text));
      s.on('close', () => resolve(text));
      s.on('connect', () => s.end(bytes));
      setTimeout(() => s.destroy(), 3000);
    });
  t.regex(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400/);
  t.regex(await raw(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))), /^(HTTP\/1\.1 400|)/);
  t.regex(await raw(`GET /metrics HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431|^HTTP\/1\.1 400|^$/);
  t.regex(await raw('GET //[:: HTTP/1.1\r\nhost: x\r\n\r\n'), /^HTTP\/1\.1 (400|404)/);
  t.regex(await raw('GET /api/query?name=%ZZ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), /^HTTP\/1\.1 (200|400)/);
  // More connections than allowed, held open: the extra ones are refused, and once they go, service resumes.
  const held: Socket[] = [];
  for (let i = 0; i < 20; i++) held.push(connect({ host: '127.0.0.1', port: Number(address.split(':')[1]) }).on('error', () => undefined));
  await sleep(200);
  for (const s of held) s.destroy();
  await sleep(100);
  t.is((await get(address, '/metrics')).status, 200);
});
