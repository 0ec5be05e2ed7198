/**
 * `frog monitor` and `frog query` against a real peer in this process, over the signed control
 * API: events as they happen with the `--app` filter, JSON lines, exit 2 when the peer goes
 * away, refusal with another group's key, the stream limit; a state-space name's providers.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployCommand } from '../../cli/commands/deploy/action.js';
import { monitorCommand, queryCommand } from '../../cli/commands/monitor/action.js';
import { memoryIo } from '../../cli/io.js';
import { controlStream } from '../../runtime/control/control-client.js';
import { MAX_STREAMS } from '../../runtime/control/control-server.js';
import { readKeyFile } from '../../runtime/group/key-file.js';
import { sleep, waitFor } from '../support/wait.js';
import { hello, livePeer } from './live-peer.js';

test('monitor streams the lifecycle as it happens, filtered by --app, and ends with 2 when the peer goes', async (t) => {
  const p = await livePeer('mon-a', 46321);
  let closed = false;
  t.teardown(() => (closed ? undefined : p.close('test over')));
  const all = memoryIo(p.dir);
  const json = memoryIo(p.dir);
  const other = memoryIo(p.dir);
  const abort = new AbortController();
  const running = monitorCommand({ peer: p.control, keyFile: p.keyFile }, all);
  const jsonRun = monitorCommand({ peer: p.control, keyFile: p.keyFile, json: true, app: 'hello', abort: abort.signal }, json);
  const otherRun = monitorCommand({ peer: p.control, keyFile: p.keyFile, app: 'other', abort: abort.signal }, other);
  t.true(await waitFor(() => p.peer['server']?.streamCount === 3, 5000), 'three streams open');
  const io = memoryIo(p.dir);
  t.is(await deployCommand({ file: hello, peer: p.control, keyFile: p.keyFile, includePath: [], wait: 30 }, io), 0, io.err.join(''));
  t.true(await waitFor(() => json.out.join('').includes('"event":"terminated","subject":"sfConfig"'), 10_000));
  const lines = json.out.join('').trim().split('\n').map((l) => JSON.parse(l));
  t.true(lines.every((e) => e.app === 'hello' && e.peer === 'mon-a'));
  t.true(lines.some((e) => e.event === 'running' && e.subject === 'sfConfig'));
  t.regex(all.out.join(''), /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}mon-a {2}output sfConfig:greet stdout "Hello, world!"/);
  abort.abort();
  t.is(await jsonRun, 0, 'Ctrl-C ends it with 0');
  t.is(await otherRun, 0);
  t.is(other.out.join(''), '', 'no event of another application');
  // The peer goes away: the monitor that still follows it ends with 2 and says why.
  await p.close('test over');
  closed = true;
  t.is(await running, 2);
  t.regex(all.err.join(''), /frog monitor: error SF\d+: The peer at 127\.0\.0\.1:\d+ went away/);
});

test('a monitor stream is refused with another key, and beyond the stream limit', async (t) => {
  const p = await livePeer('mon-b', 46322);
  t.teardown(() => p.close('test over'));
  const otherKey = join(p.dir, 'other.key');
  writeFileSync(otherKey, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  const io = memoryIo(p.dir);
  t.is(await monitorCommand({ peer: p.control, keyFile: otherKey }, io), 2);
  t.regex(io.err.join(''), /not signed with that peer's group key/);

  const key = await readKeyFile(p.keyFile);
  const streams = Array.from({ length: MAX_STREAMS }, () => controlStream({ peer: p.control, key, operation: 'monitor', onValue: () => undefined }));
  t.teardown(() => streams.forEach((s) => s.close()));
  t.true(await waitFor(() => p.peer['server']?.streamCount === MAX_STREAMS, 5000));
  const extra = controlStream({ peer: p.control, key, operation: 'monitor', onValue: () => undefined });
  const end = await Promise.race([extra.ended, sleep(5000).then(() => undefined)]);
  t.truthy(end?.error);
  t.regex(end!.error!.message, new RegExp(`serves ${MAX_STREAMS} event streams already`));
  streams[0]!.close();
  t.true(await waitFor(() => p.peer['server']?.streamCount === MAX_STREAMS - 1, 5000), 'a closed stream frees its place');
  // A bad filter is refused like any bad request.
  const bad = controlStream({ peer: p.control, key, operation: 'monitor', body: { app: 42 }, onValue: () => undefined });
  t.regex((await bad.ended).error!.message, /`app` must be a String/);
});

test('query lists the providers of a name and their values', async (t) => {
  const p = await livePeer('query-a', 46323);
  t.teardown(() => p.close('test over'));
  const io = memoryIo(p.dir);
  t.is(await queryCommand({ name: 'peer/query-a', peer: p.control, keyFile: p.keyFile }, io), 0, io.err.join(''));
  t.regex(io.out.join(''), /^peer\/query-a: 1 provider \(as seen by query-a\)\n {2}query-a {2}\d+\/\d+\/\d+ {2}\{"name":"query-a"/);
  const json = memoryIo(p.dir);
  t.is(await queryCommand({ name: 'peer/query-a', peer: p.control, keyFile: p.keyFile, json: true }, json), 0);
  const a = JSON.parse(json.out.join(''));
  t.is(a.providers[0].value.control, p.control);
  const none = memoryIo(p.dir);
  t.is(await queryCommand({ name: 'nothing/here', peer: p.control, keyFile: p.keyFile }, none), 0);
  t.is(none.out.join(''), 'nothing/here: no provider (as seen by query-a)\n');
  const long = memoryIo(p.dir);
  t.is(await queryCommand({ name: 'x'.repeat(2000), peer: p.control, keyFile: p.keyFile }, long), 2);
  t.regex(long.err.join(''), /error SF\d+: /);
});
