/**
 * A placed deployment over a unicast-only group (issue 18; docs/design/group.md §7): three `frog peer`
 * processes A, B, C in network namespaces (test/support/netns.ts) with multicast blocked on the
 * bridge, joined with `--join` naming A, profile `lan`, each with a data directory and its control
 * API on its namespace address. An application with its root on A, a part on B and a Retry around
 * a part on C (`sfProcessHost`) is deployed with the real `frog deploy`, run inside A's namespace;
 * `frog status` (from B's namespace) shows every part running on its host.
 *
 * Then C's peer is killed with SIGKILL: A's proxy for C's part fails with SF4402 within the group's
 * detection bound (docs/design/components.md §5: the target peer's disappearance fails the proxy),
 * and the Retry waits for C. C is started again with the same data directory (recovery.md §4): it
 * rejoins by unicast within the unicast join bound, the new attempt deploys a new instance there,
 * the recovered stale copy is fenced, and `frog status` shows one live copy of every part.
 * Skipped, with the reason in the title, where namespaces cannot be created.
 */
import test from 'ava';
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../runtime/group/key-file.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { NetnsHarness, netnsAvailability } from '../support/netns.js';
import { scratchDir } from '../support/scratch.js';
import { onJsonLines } from '../support/peer-process.js';
import { waitFor } from '../support/wait.js';

const M = 1000; // measurement margin on a shared runner (as test/group/netns.test.ts)
const STARTUP_LIMIT = 40_000; // three tsx start-ups, the first stable view and discovery
const CLIENT_LIMIT = 60_000; // one `frog` client run (a tsx start-up and its request)
const PORT = 45170;
const GROUP = `239.255.42.42:${PORT}`;
const root = fileURLToPath(new URL('../..', import.meta.url));
const profile = getProfile('lan');
const b = boundsOf(profile);

interface PeerEvent {
  time: number;
  peer: string;
  event: string;
  subject: string;
  text?: string;
  record?: { type: string; reason: string; cause?: { code?: string } };
  members?: string[];
}

interface ComponentStatus {
  name: string;
  path: string;
  state: string;
  peer: string;
  remote?: { peer: string; instance: string };
  children: ComponentStatus[];
}

interface GroupStatus {
  peer: string;
  peers: { peer: string; error?: string; subtrees?: { path: string; instance: string; root: ComponentStatus }[] }[];
  applications: { name: string; peer: string; root: ComponentStatus }[];
}

const DESCRIPTION = `#include "/frog/components.sf"
sfConfig extends Compound {
    local extends Compound { }
    onB extends Compound { sfProcessHost "B"; inner extends Compound { } }
    keep extends Retry {
        retry 5;
        svc extends Compound { sfProcessHost "C"; port 8080; }
    }
}
`;

class Pond {
  readonly names = ['A', 'B', 'C'];
  readonly events: PeerEvent[] = [];
  readonly stderr: string[] = [];
  readonly procs = new Map<string, ChildProcess>();

  constructor(readonly net: NetnsHarness, readonly dir: string, readonly keyFile: string) {
    this.names.forEach((name) => this.start(name));
  }

  index(name: string): number {
    return this.names.indexOf(name) + 1;
  }

  control(name: string): string {
    return `${this.net.host(this.index(name)).address}:7420`;
  }

  /** Starts (or restarts, with the same data directory) peer `name`, joining through A by unicast. */
  start(name: string): void {
    const index = this.index(name);
    const h = this.net.host(index);
    const seed = `${this.net.host(1).address}:${PORT}`;
    const args = [join(root, 'bin/frog.js'), 'peer', '--name', name, '--id', String(index), '--group', GROUP, '--join', seed, '--key-file', this.keyFile, '--interface', h.address, '--listen', `${h.address}:7420`, '--profile', 'lan', '--data', join(this.dir, `data-${name}`), '--events', 'json', '--placement-timeout', '60'];
    const child = this.net.spawn(index, process.execPath, args, { cwd: this.dir });
    onJsonLines(
      child.stdout!,
      (v) => {
        const e = v as PeerEvent;
        e.peer ??= name;
        this.events.push(e);
      },
      (line) => this.stderr.push(`${name} (stdout, not JSON): ${line}\n`),
    );
    child.stderr!.on('data', (c: Buffer) => void this.stderr.push(`${name}: ${c.toString()}`));
    this.procs.set(name, child);
  }

  /** SIGKILL to `name`'s peer; resolves when it has exited. */
  kill(name: string): Promise<void> {
    const p = this.procs.get(name)!;
    return new Promise((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  of(peer: string, event: string, subject?: string, since = 0): PeerEvent[] {
    return this.events.filter((e) => e.peer === peer && e.event === event && (subject === undefined || e.subject === subject) && e.time >= since);
  }

  stableWith(peer: string, members: string[]): boolean {
    const last = this.events.filter((e) => e.peer === peer && (e.event === 'stable' || e.event === 'unstable')).at(-1);
    return last?.event === 'stable' && [...(last.members ?? [])].sort().join(',') === [...members].sort().join(',');
  }

  stableAt(peer: string, members: string[], since: number): number | undefined {
    const want = [...members].sort().join(',');
    return this.events.find((e) => e.peer === peer && e.event === 'stable' && e.time >= since && [...(e.members ?? [])].sort().join(',') === want)?.time;
  }

  listening(names = this.names, since = 0): boolean {
    return names.every((n) => this.of(n, 'listening', undefined, since).length > 0);
  }

  running(name: string): boolean {
    const p = this.procs.get(name)!;
    return p.exitCode === null && p.signalCode === null;
  }

  /** Runs `frog ...args` inside host `index`'s namespace (bounded); its exit code and output. */
  frog(index: number, args: string[], limitMs = CLIENT_LIMIT): Promise<{ code: number | null; out: string; err: string }> {
    const child = this.net.spawn(index, process.execPath, [join(root, 'bin/frog.js'), ...args], { cwd: this.dir });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => void (err += c.toString()));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ code: null, out, err: `${err}\n(killed after ${limitMs} ms)` });
      }, limitMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
  }

  async status(from: number, to: string): Promise<GroupStatus | undefined> {
    const r = await this.frog(from, ['status', '--json', '--peer', this.control(to), '--key-file', this.keyFile]);
    if (r.code !== 0) return undefined;
    try {
      return JSON.parse(r.out) as GroupStatus;
    } catch {
      return undefined;
    }
  }

  log(): string {
    return this.events.map((e) => `${e.time} ${e.peer} ${e.event} ${e.subject}${e.members ? ` {${e.members.join(',')}}` : ''}${e.text ? ` ${e.text}` : ''}${e.record ? ` [${e.record.type} ${e.record.reason}]` : ''}`).join('\n');
  }
}

function flatten(c: ComponentStatus, out: ComponentStatus[] = []): ComponentStatus[] {
  out.push(c);
  for (const x of c.children) flatten(x, out);
  return out;
}

function subtreesOf(s: GroupStatus): { path: string; instance: string; on: string; state: string }[] {
  return s.peers.flatMap((p) => (p.subtrees ?? []).map((x) => ({ path: x.path, instance: x.instance, on: p.peer, state: x.root.state })));
}

/** Every component of `demo` running, its root on A, and each placed part live exactly once on its host, bound to its proxy. A reason when not. */
function inconsistency(s: GroupStatus | undefined): string | undefined {
  if (!s) return 'no status';
  const unreachable = s.peers.filter((p) => p.error).map((p) => `${p.peer}: ${p.error}`);
  if (unreachable.length || s.peers.length !== 3) return `peers: ${s.peers.map((p) => p.peer).join(',')} ${unreachable.join('; ')}`;
  const apps = s.applications.filter((a) => a.name === 'demo');
  if (apps.length !== 1 || apps[0]!.peer !== 'A') return `roots of demo: ${apps.map((a) => a.peer).join(',') || 'none'}`;
  const tree = flatten(apps[0]!.root);
  const notRunning = tree.filter((c) => c.state !== 'running');
  if (notRunning.length) return `not running: ${notRunning.map((c) => `${c.path}=${c.state}`).join(', ')}`;
  const subtrees = subtreesOf(s);
  for (const [path, on] of [['sfConfig:onB', 'B'], ['sfConfig:keep:svc', 'C']] as const) {
    const copies = subtrees.filter((x) => x.path === path && x.state !== 'terminated' && x.state !== 'failed');
    const proxy = tree.find((c) => c.path === path);
    if (copies.length !== 1) return `${copies.length} live copies of ${path}`;
    if (copies[0]!.on !== on || proxy?.remote?.instance !== copies[0]!.instance) return `${path} on ${copies[0]!.on} is instance ${copies[0]!.instance}; the parent is bound to ${proxy?.remote?.instance}`;
  }
  return undefined;
}

const netns = netnsAvailability();
const nsTest = netns.ok ? test.serial : test.skip;
const nsSuffix = netns.ok ? '' : ` (skipped: ${netns.reason})`;

nsTest(`namespaces without multicast: a placed deployment over --join runs each part on its host; after kill -9 of C the part fails (SF4402) and is redeployed when C is back${nsSuffix}`, async (t) => {
  t.timeout(240_000);
  const dir = scratchDir('frog-peers-unicast-');
  const keyFile = join(dir, 'group.key');
  await generateKeyFile(keyFile);
  writeFileSync(join(dir, 'app.sf'), DESCRIPTION);
  const net = NetnsHarness.create(3);
  net.blockMulticast();
  const pond = new Pond(net, dir, keyFile);
  const key = ['--key-file', keyFile];
  const names = pond.names;
  try {
    // --- formation over unicast and deployment -----------------------------------------------
    t.true(await waitFor(() => pond.listening() && names.every((n) => pond.stableWith(n, names)), STARTUP_LIMIT), `three peers listening in one stable view (stderr: ${pond.stderr.join('')})`);
    t.true(
      await waitFor(async () => {
        const r = await pond.frog(1, ['members', '--json', '--peer', pond.control('A'), ...key]);
        return r.code === 0 && (JSON.parse(r.out) as { members: { control?: string }[] }).members.filter((m) => m.control).length === 3;
      }, b.discovery + 20_000, 200),
      'A knows the control address of every peer',
    );
    const deployed = await pond.frog(1, ['deploy', 'app.sf', '--peer', pond.control('A'), ...key, '--name', 'demo', '--wait', '60']);
    t.is(deployed.code, 0, `frog deploy: ${deployed.out}${deployed.err}`);
    t.regex(deployed.out, /demo: running \(deployed through A\)/);
    const first = await pond.status(2, 'A');
    t.is(inconsistency(first), undefined, 'every part running on its host after deployment');
    t.deepEqual(subtreesOf(first!).map((x) => `${x.path}@${x.on}:${x.state}`).sort(), ['sfConfig:keep:svc@C:running', 'sfConfig:onB@B:running']);
    const staleInstance = subtreesOf(first!).find((x) => x.path === 'sfConfig:keep:svc')!.instance;

    // --- kill -9 C: its part fails at the parent within the detection bound; Retry waits for C --
    const killedAt = Date.now();
    await pond.kill('C');
    const failed = () => pond.of('A', 'failed', 'sfConfig:keep:svc', killedAt)[0];
    t.true(await waitFor(() => !!failed(), b.detection + M + 5000), 'the failure reaches the parent');
    const reaction = failed()!.time - killedAt;
    t.true(reaction <= b.detection + M, `the parent reacted ${reaction} ms after the kill (bound ${b.detection} + ${M})`);
    t.is(failed()!.record?.cause?.code, 'SF4402', `the proxy failed because C left the group: ${failed()!.record?.reason}`);
    t.true(await waitFor(() => pond.of('A', 'log', 'sfConfig:keep', killedAt).some((e) => /retrying \(attempt 2\)/.test(String(e.text))), 5000), 'Retry starts a second attempt');
    t.true(await waitFor(() => pond.stableWith('A', ['A', 'B']) && pond.stableWith('B', ['A', 'B']), b.restabilisation + M), 'A and B stable as two');
    const whileDown = await pond.status(2, 'A');
    t.deepEqual(whileDown?.peers.map((p) => p.peer).sort(), ['A', 'B'], 'status lists A and B');
    t.deepEqual(whileDown && subtreesOf(whileDown).map((x) => `${x.path}@${x.on}:${x.state}`), ['sfConfig:onB@B:running'], 'B\'s part still runs');
    t.is(pond.of('A', 'failed', 'sfConfig', killedAt).length, 0, 'the application itself did not fail');

    // --- C again (same data): it rejoins by unicast, the new attempt deploys there, the stale copy is fenced
    const restartedAt = Date.now();
    pond.start('C');
    t.true(await waitFor(() => pond.of('C', 'stable', undefined, restartedAt).length > 0 || pond.of('C', 'unstable', undefined, restartedAt).length > 0, STARTUP_LIMIT), 'C starts again');
    const cStarted = Math.min(...pond.events.filter((e) => e.peer === 'C' && e.time >= restartedAt).map((e) => e.time));
    t.true(await waitFor(() => names.every((n) => pond.stableWith(n, names)), b.unicastJoin + M + 5000), 'one stable view of three again');
    const rejoined = Math.max(...names.map((n) => pond.stableAt(n, names, cStarted) ?? Infinity));
    t.true(rejoined - cStarted <= b.unicastJoin + M, `C rejoined ${rejoined - cStarted} ms after its first event (bound unicastJoin ${b.unicastJoin} + ${M})`);
    const runningAgain = () => pond.of('A', 'running', 'sfConfig:keep:svc', restartedAt)[0];
    t.true(await waitFor(() => !!runningAgain(), b.discovery + 20_000), 'the new attempt runs on C');
    let last: string | undefined = 'not asked';
    t.true(
      await waitFor(async () => {
        last = inconsistency(await pond.status(2, 'A'));
        return last === undefined;
      }, 30_000, 100),
      `one consistent status after C's restart (last: ${last})`,
    );
    const after = await pond.status(3, 'A');
    t.is(inconsistency(after), undefined, 'and it stays consistent');
    t.not(subtreesOf(after!).find((x) => x.path === 'sfConfig:keep:svc')!.instance, staleInstance, 'C runs a new instance');
    t.log(`kill -9 C → parent reaction ${reaction} ms (bound ${b.detection}); C rejoined ${rejoined - cStarted} ms after starting (bound ${b.unicastJoin}); part running again ${runningAgain()!.time - restartedAt} ms after the restart (process start-up included)`);
    t.true(names.every((n) => pond.running(n)), `no peer exited on its own (stderr: ${pond.stderr.join('')})`);
  } finally {
    if (!t.passed) t.log(`${pond.log()}\n${pond.stderr.join('')}`);
    await net.destroy();
    t.deepEqual(net.remaining(), [], 'every namespace deleted');
    rmSync(dir, { recursive: true, force: true });
  }
});
