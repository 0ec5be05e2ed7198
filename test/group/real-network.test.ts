/**
 * The real transports on loopback: in-process members over UDP multicast and TCP (distinct ports per
 * test), and `frog peer` processes of which one is killed with SIGKILL. Bounds use the profile's
 * formulas plus a margin for a shared CI runner.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { GroupMember } from '../../runtime/group/group-member.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { Listener, Provider } from '../../runtime/group/state-space.js';
import { TcpMessageTransport } from '../../runtime/group/tcp-message-transport.js';
import { SystemClock } from '../../core/clock.js';
import { UdpMulticastTransport } from '../../runtime/group/udp-multicast-transport.js';
import { keyGenerateCommand } from '../../cli/commands/key/action.js';
import { peerCommand } from '../../cli/commands/peer/action.js';
import { memoryIo } from '../../cli/io.js';
import { scratchDir } from '../support/scratch.js';
import { waitFor } from '../support/wait.js';

const M = 500; // margin on a shared runner
const root = fileURLToPath(new URL('../..', import.meta.url));

test.serial('in-process members over UDP multicast and TCP on loopback', async (t) => {
  const profile = getProfile('local-test');
  const b = boundsOf(profile);
  const key = new GroupKey(randomBytes(32));
  const members: GroupMember[] = [];
  for (let id = 1; id <= 3; id++) {
    const epoch = Date.now();
    const datagrams = await UdpMulticastTransport.open({ group: '239.255.42.42', port: 45110, interfaceAddress: '127.0.0.1' });
    const messages = await TcpMessageTransport.open({ self: id, epoch, key, host: '127.0.0.1' });
    const m = new GroupMember({ identity: { id, name: `u${id}`, epoch }, profile, key, clock: new SystemClock(), datagrams, messages });
    m.start();
    members.push(m);
  }
  try {
    t.true(await waitFor(() => members.every((m) => m.view().stable && m.view().members.length === 3), b.join + profile.interval + M), 'one stable view');
    const got: unknown[] = [];
    const l = new Listener('svc', { newValue: (v) => void got.push(v.value) });
    members[0]!.stateSpace.registerListener(l);
    const p = new Provider('svc');
    p.setValue('hello');
    members[2]!.stateSpace.registerProvider(p);
    t.true(await waitFor(() => got.includes('hello'), b.discovery + M), 'value discovered over TCP');
    p.setValue('again');
    t.true(await waitFor(() => got.includes('again'), b.valueUpdate), 'update within T');
    const stopped = Date.now();
    await members[2]!.stop();
    t.true(await waitFor(() => members.slice(0, 2).every((m) => !m.view().members.includes(3)), b.detection + M), 'stopped peer detected');
    t.true(Date.now() - stopped >= b.earliestDetection - profile.interval - M);
    t.true(await waitFor(() => l.size() === 0, M), 'its provider removed');
    for (const m of members) t.is(m.counters.internalErrors, 0);
  } finally {
    for (const m of members) await m.stop();
  }
});

test('frog key generate writes an owner-only key and refuses to overwrite', async (t) => {
  const dir = scratchDir('frog-key-');
  const io = memoryIo(dir);
  t.is(await keyGenerateCommand({ file: 'group.key' }, io), 0);
  t.is(statSync(join(dir, 'group.key')).mode & 0o777, 0o600);
  t.is(await keyGenerateCommand({ file: 'group.key' }, io), 1);
  t.regex(io.err.join(''), /already exists/);
});

test('frog peer refuses a key file that others can read, and bad options', async (t) => {
  const dir = scratchDir('frog-key-');
  const file = join(dir, 'k');
  writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o644 });
  let io = memoryIo(dir);
  t.is(await peerCommand({ name: 'a', keyFile: file }, io), 1);
  t.regex(io.err.join(''), /readable by others.*chmod 600/);
  io = memoryIo(dir);
  t.is(await peerCommand({ name: 'a', keyFile: file, id: '5000' }, io), 1);
  t.regex(io.err.join(''), /--id must be an integer from 0 to 2047/);
  io = memoryIo(dir);
  t.is(await peerCommand({ name: 'a', keyFile: file, group: '10.0.0.1:99' }, io), 1);
  t.regex(io.err.join(''), /not an IPv4 multicast address/);
  io = memoryIo(dir);
  t.is(await peerCommand({ name: 'a', keyFile: file, profile: 'fastest' }, io), 1);
  t.regex(io.err.join(''), /Unknown profile `fastest`/);
});

test.serial('frog peer processes: a SIGKILLed peer is reported gone by the others within the bound', async (t) => {
  const profile = getProfile('lan');
  const b = boundsOf(profile);
  const dir = scratchDir('frog-peers-');
  const keyFile = join(dir, 'group.key');
  await keyGenerateCommand({ file: keyFile }, memoryIo(dir));
  const procs: ChildProcess[] = [];
  const events: { peer: string; event: string; subject: string; time: number }[] = [];
  try {
    for (let i = 1; i <= 3; i++) {
      const child = spawn(process.execPath, [join(root, 'bin/frog.js'), 'peer', '--name', `k${i}`, '--id', String(i), '--group', '239.255.42.42:45120', '--key-file', keyFile, '--profile', 'lan', '--events', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let buf = '';
      child.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            events.push(JSON.parse(line));
          } catch {
            t.fail(`not a JSON line: ${line}`);
          }
        }
      });
      procs.push(child);
    }
    const stable = () => ['k1', 'k2', 'k3'].every((p) => {
      const last = events.filter((e) => e.peer === p && (e.event === 'stable' || e.event === 'unstable')).at(-1);
      return last?.event === 'stable' && (last as unknown as { members: string[] }).members.length === 3;
    });
    const formed = await waitFor(stable, 40_000);
    // What each peer last said, to tell a slow start from a group that never formed.
    if (!formed) for (const p of ['k1', 'k2', 'k3']) t.log(p, JSON.stringify(events.filter((e) => e.peer === p).slice(-8)));
    t.true(formed, 'three processes form one stable view');
    // The stream tells every membership change (docs/design/pipeline.md §6.2): the leader names
    // itself, and each peer was `connected` to the others on a heartbeat.
    const leaderOf = (p: string) => (events.filter((e) => e.peer === p && e.event === 'stable').at(-1) as unknown as { leader: string }).leader;
    const leader = leaderOf('k1');
    t.true(['k1', 'k2', 'k3'].every((p) => leaderOf(p) === leader), 'one leader');
    t.true(events.some((e) => e.peer === leader && e.event === 'leader' && e.subject === leader), `${leader}'s own stream says it leads`);
    for (const p of ['k1', 'k2', 'k3']) {
      const others = ['k1', 'k2', 'k3'].filter((q) => q !== p);
      t.true(others.every((q) => events.some((e) => e.peer === p && e.event === 'connected' && e.subject === q && (e as { reason?: string }).reason === 'heartbeat')), `${p} reports the others connected`);
    }
    const killed = Date.now();
    procs[2]!.kill('SIGKILL');
    const gone = () => ['k1', 'k2'].every((p) => events.some((e) => e.peer === p && e.event === 'left' && e.subject === 'k3' && e.time >= killed));
    t.true(await waitFor(gone, b.detection + 2 * M), 'both survivors report k3 gone');
    for (const p of ['k1', 'k2']) {
      const e = events.find((x) => x.peer === p && x.event === 'left' && x.subject === 'k3')!;
      t.true(e.time - killed <= b.detection + 2 * M, `${p} after ${e.time - killed} ms`);
    }
    for (const p of ['k1', 'k2']) {
      const d = events.find((x) => x.peer === p && x.event === 'disconnected' && x.subject === 'k3' && x.time >= killed) as { reason?: string } | undefined;
      t.true(d !== undefined && /^(timeout|link failure: .+)$/.test(d.reason ?? ''), `${p} reports k3 disconnected with a reason: ${d?.reason}`);
    }
  } finally {
    for (const p of procs) p.kill('SIGKILL');
  }
});

test.serial('frog peer processes: a second peer with the same --name is refused (exit 3, SF4515) and the first stays', async (t) => {
  const b = boundsOf(getProfile('lan'));
  const dir = scratchDir('frog-dup-');
  const keyFile = join(dir, 'group.key');
  await keyGenerateCommand({ file: keyFile }, memoryIo(dir));
  const args = ['peer', '--name', 'dup', '--group', '239.255.42.42:45150', '--key-file', keyFile, '--profile', 'lan', '--listen', '127.0.0.1:0', '--events', 'json'];
  const start = () => {
    const child = spawn(process.execPath, [join(root, 'bin/frog.js'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = { child, out: '', err: '', exit: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
    child.stdout!.on('data', (c: Buffer) => void (p.out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => void (p.err += c.toString()));
    return p;
  };
  const first = start();
  let second: ReturnType<typeof start> | undefined;
  try {
    t.true(await waitFor(() => first.out.includes('"event":"listening"'), 20_000), `the first peer listens: ${first.err}`);
    second = start();
    const code = await Promise.race([second.exit, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    t.is(code, 3, second.err);
    // With --events json (the same as --json) the refusal is a JSON line with its code and hint, and stderr is empty.
    const refused = second.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>).find((e) => e.event === 'refused');
    t.truthy(refused, second.out);
    t.is(refused!.code, 'SF4515');
    t.regex(refused!.message, /Duplicate name `dup`: it is already used by the peer at 127\.0\.0\.1:\d+ \(node id \d+\); this peer is refused\./);
    t.regex(refused!.hint ?? '', /`--name`/);
    t.is(second.err, '');
    t.log(JSON.stringify(refused));
    // The first one stays, stable, with nothing lost (it warns of the second if it heard it first: a `conflict` event).
    await new Promise((r) => setTimeout(r, b.detection));
    if (first.out.includes('"event":"conflict"')) t.regex(first.out, /Peer `dup` \(node id \d+\) at 127\.0\.0\.1:\d+ uses the name and node id of peer `dup`/);
    t.is(first.child.exitCode, null, 'the first peer still runs');
    t.notRegex(first.out, /"event":"(left|unstable|refused)"/);
  } finally {
    if (second && second.child.exitCode === null && second.child.signalCode === null) second.child.kill('SIGKILL');
    if (first.child.exitCode === null && first.child.signalCode === null) {
      first.child.kill('SIGTERM');
      t.is(await first.exit, 0, 'the first peer stops cleanly');
    }
  }
});
