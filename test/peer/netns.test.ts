/**
 * Peers on separate "hosts": three `frog peer` processes, each in its own network namespace on a
 * bridge (test/support/netns.ts), profile `lan`, each with a data directory and its control API
 * on its namespace address. An application with parts on each peer (a Retry around a part on B,
 * a part on C, the root on A) is deployed with the real `frog deploy`, run inside A's namespace.
 *
 * Cutting B off the bridge: A's proxy fails within the group's detection bound (T + I plus the
 * margin M) and Retry starts a new attempt, which waits for B (sfProcessHost names B: the
 * placement waits for that peer, up to the placement timeout); B's copy, cut off from its
 * parent, keeps running (its watchdog is longer than the cut). Healing: B rejoins, the new
 * attempt deploys a new instance on B, the stale copy is fenced (SF4404, it terminates itself)
 * and `frog status` shows exactly one live copy of every component, bound to the parent's
 * current instance. Terminating the application leaves no component on any peer.
 *
 * The clients (`frog deploy`, `frog status`, `frog terminate`) run inside the namespaces with
 * the harness's `spawn`, some across the bridge to another peer. Times are measured from the
 * cut and the heal to the peers' own event times (all namespaces share one clock) and logged.
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
import { waitFor } from '../support/wait.js';

const M = 1000; // measurement margin on a shared runner (as test/group/netns.test.ts)
const STARTUP_LIMIT = 40_000; // three tsx start-ups, the first stable view and discovery
const CLIENT_LIMIT = 60_000; // one `frog` client run (a tsx start-up and its request)
const PLACEMENT_TIMEOUT_S = 60;
const GROUP = '239.255.42.42:45140';
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
  control?: string;
}

interface ComponentStatus {
  name: string;
  path: string;
  state: string;
  peer: string;
  remote?: { peer: string; instance: string };
  children: ComponentStatus[];
}

interface PeerStatus {
  peer: string;
  error?: string;
  partition?: string[];
  applications?: { name: string; root: ComponentStatus }[];
  subtrees?: { app: string; path: string; instance: string; parentPeer: string; root: ComponentStatus }[];
}

interface GroupStatus {
  peer: string;
  peers: PeerStatus[];
  applications: { name: string; peer: string; root: ComponentStatus }[];
}

const DESCRIPTION = `#include "/frog/components.sf"
sfConfig extends Compound {
    local extends Compound { }
    keep extends Retry {
        retry 5;
        // A watchdog longer than the cut: only fencing can end the stale copy.
        svc extends Compound { sfProcessHost "B"; sfLivenessDelay 60; port 8080; }
    }
    part extends Compound { sfProcessHost "C"; inner extends Compound { } }
}
`;

/** Three peers A, B, C on hosts 1, 2, 3 and the `frog` clients run inside the namespaces. */
class Pond {
  readonly names = ['A', 'B', 'C'];
  readonly events: PeerEvent[] = [];
  readonly stderr: string[] = [];
  readonly procs = new Map<string, ChildProcess>();

  constructor(readonly net: NetnsHarness, readonly dir: string, readonly keyFile: string) {
    this.names.forEach((name, i) => this.start(name, i + 1));
  }

  index(name: string): number {
    return this.names.indexOf(name) + 1;
  }

  control(name: string): string {
    return `${this.net.host(this.index(name)).address}:7420`;
  }

  private start(name: string, index: number): void {
    const h = this.net.host(index);
    const args = [join(root, 'bin/frog.js'), 'peer', '--name', name, '--id', String(index), '--group', GROUP, '--key-file', this.keyFile, '--interface', h.address, '--listen', `${h.address}:7420`, '--profile', 'lan', '--data', join(this.dir, `data-${name}`), '--events', 'json', '--placement-timeout', String(PLACEMENT_TIMEOUT_S)];
    const child = this.net.spawn(index, process.execPath, args, { cwd: this.dir });
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const e = JSON.parse(line) as PeerEvent;
          e.peer ??= name;
          this.events.push(e);
        } catch {
          this.stderr.push(`${name} (stdout, not JSON): ${line}\n`);
        }
      }
    });
    child.stderr!.on('data', (c: Buffer) => void this.stderr.push(`${name}: ${c.toString()}`));
    this.procs.set(name, child);
  }

  of(peer: string, event: string, subject?: string, since = 0): PeerEvent[] {
    return this.events.filter((e) => e.peer === peer && e.event === event && (subject === undefined || e.subject === subject) && e.time >= since);
  }

  stableWith(peer: string, members: string[]): boolean {
    const last = this.events.filter((e) => e.peer === peer && (e.event === 'stable' || e.event === 'unstable')).at(-1);
    return last?.event === 'stable' && [...(last.members ?? [])].sort().join(',') === [...members].sort().join(',');
  }

  listening(): boolean {
    return this.names.every((n) => this.of(n, 'listening').length > 0);
  }

  allRunning(): boolean {
    return [...this.procs.values()].every((p) => p.exitCode === null && p.signalCode === null);
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

  /** `frog status --json` from host `from` to peer `to`'s control API; undefined when it fails. */
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
    return this.events.map((e) => `${e.time} ${e.peer} ${e.event} ${e.subject}${e.members ? ` {${e.members.join(',')}}` : ''}${e.text ? ` ${e.text}` : ''}`).join('\n');
  }
}

/** Every subtree that peers report, with the peer it runs on. */
function subtreesOf(s: GroupStatus): { path: string; instance: string; on: string; state: string }[] {
  return s.peers.flatMap((p) => (p.subtrees ?? []).map((x) => ({ path: x.path, instance: x.instance, on: p.peer, state: x.root.state })));
}

function flatten(c: ComponentStatus, out: ComponentStatus[] = []): ComponentStatus[] {
  out.push(c);
  for (const x of c.children) flatten(x, out);
  return out;
}

/**
 * One consistent picture: every peer answers, the application has one root (on A), every
 * component in its tree is running, and each placed part runs exactly once, as the instance its
 * parent's proxy is bound to. A reason when not.
 */
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
  for (const [path, on] of [['sfConfig:keep:svc', 'B'], ['sfConfig:part', 'C']] as const) {
    const copies = subtrees.filter((x) => x.path === path && x.state !== 'terminated' && x.state !== 'failed');
    const proxy = tree.find((c) => c.path === path);
    if (copies.length !== 1) return `${copies.length} live copies of ${path}`;
    if (copies[0]!.on !== on || proxy?.remote?.instance !== copies[0]!.instance) return `${path} on ${copies[0]!.on} is instance ${copies[0]!.instance}; the parent is bound to ${proxy?.remote?.instance}`;
  }
  if (subtrees.length !== 2) return `subtrees: ${subtrees.map((x) => `${x.path}@${x.on}`).join(', ')}`;
  return undefined;
}

const netns = netnsAvailability();
const nsTest = netns.ok ? test.serial : test.skip;
const nsSuffix = netns.ok ? '' : ` (skipped: ${netns.reason})`;

nsTest(`namespaces: three frog peers, cut a host (Retry waits for it), heal (the stale copy is fenced), one live copy of each part${nsSuffix}`, async (t) => {
  t.timeout(240_000);
  const dir = scratchDir('frog-peers-netns-');
  const keyFile = join(dir, 'group.key');
  await generateKeyFile(keyFile);
  writeFileSync(join(dir, 'app.sf'), DESCRIPTION);
  const net = NetnsHarness.create(3);
  const pond = new Pond(net, dir, keyFile);
  const key = ['--key-file', keyFile];
  try {
    // --- formation and deployment --------------------------------------------------------------
    const names = pond.names;
    t.true(await waitFor(() => pond.listening() && names.every((n) => pond.stableWith(n, names)), STARTUP_LIMIT), `three peers listening in one stable view (stderr: ${pond.stderr.join('')})`);
    // Every peer has seen the others' `peer/<name>` (with its control address) before A places.
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
    // Asked across the bridge, from C's namespace to A's control API.
    const first = await pond.status(3, 'A');
    t.is(inconsistency(first), undefined, 'one consistent picture after deployment');
    t.deepEqual(subtreesOf(first!).map((x) => `${x.path}@${x.on}:${x.state}`).sort(), ['sfConfig:keep:svc@B:running', 'sfConfig:part@C:running']);
    const staleInstance = subtreesOf(first!).find((x) => x.path === 'sfConfig:keep:svc')!.instance;

    // --- cut B: the parent's proxy fails within the detection bound, Retry waits for B ---------
    const cutAt = Date.now();
    net.cut(pond.index('B'));
    const failed = () => pond.of('A', 'failed', 'sfConfig:keep:svc', cutAt)[0];
    t.true(await waitFor(() => !!failed(), b.detection + M + 5000), 'the failure reaches the parent');
    const reaction = failed()!.time - cutAt;
    t.log(`cut → parent reaction: ${reaction} ms (profile lan: detection bound T+I = ${b.detection} ms, margin ${M} ms)`);
    t.true(reaction <= b.detection + M, `the parent reacted after ${reaction} ms (bound ${b.detection} + ${M})`);
    t.is(failed()!.record?.cause?.code, 'SF4402', `the proxy failed because B left the group: ${failed()!.record?.reason}`);
    t.true(await waitFor(() => pond.of('A', 'log', 'sfConfig:keep', cutAt).some((e) => /retrying \(attempt 2\)/.test(String(e.text))), 5000), 'Retry starts a second attempt');
    // sfProcessHost names B: the new attempt waits for it (with progress), it does not go elsewhere.
    t.true(
      await waitFor(() => pond.of('A', 'log', 'sfConfig:keep:svc', cutAt).some((e) => /waiting for peer `B` to join the group/.test(String(e.text))), 5000 + 2 * M),
      'the new attempt waits for B, with progress',
    );
    t.true(await waitFor(() => pond.stableWith('B', ['B']) && pond.stableWith('A', ['A', 'C']), b.restabilisation + M), 'B alone; A and C stable as two');
    const whileCut = await pond.status(1, 'A');
    t.truthy(whileCut, 'A answers status while B is cut');
    t.deepEqual(whileCut!.peers.map((p) => p.peer).sort(), ['A', 'C'], 'A sees A and C');
    t.deepEqual(subtreesOf(whileCut!).map((x) => `${x.path}@${x.on}`), ['sfConfig:part@C'], 'no copy of svc on the present peers');
    const waiting = flatten(whileCut!.applications.find((a) => a.name === 'demo')!.root).find((c) => c.path === 'sfConfig:keep:svc');
    t.not(waiting?.state, 'running', `the new proxy waits (${waiting?.state})`);
    // B, on its own, still runs the copy whose parent has replaced it: fencing must end it.
    const onB = await pond.status(2, 'B');
    t.deepEqual(onB && subtreesOf(onB).map((x) => `${x.path}#${x.instance}:${x.state}`), [`sfConfig:keep:svc#${staleInstance}:running`], 'the stale copy still runs on the cut host');

    // --- heal: B rejoins, the new attempt deploys there, the stale copy is fenced --------------
    const healedAt = Date.now();
    net.heal(pond.index('B'));
    t.true(await waitFor(() => names.every((n) => pond.stableWith(n, names)), b.merge + M), 'one stable view of three after the heal');
    const runningAgain = () => pond.of('A', 'running', 'sfConfig:keep:svc', healedAt)[0];
    const fenced = () => pond.of('B', 'log', undefined, healedAt).find((e) => /SF4404|was replaced by its parent/.test(String(e.text)) && String(e.text).includes(staleInstance));
    const settleLimit = b.merge + b.discovery + M;
    t.true(await waitFor(() => !!runningAgain() && !!fenced(), settleLimit + 10_000), 'the new instance runs and the stale copy is fenced');
    const settledAt = Math.max(runningAgain()!.time, fenced()!.time);
    t.log(`heal → new instance running: ${runningAgain()!.time - healedAt} ms; stale copy fenced: ${fenced()!.time - healedAt} ms (bound merge + discovery = ${b.merge} + ${b.discovery} ms, margin ${M} ms)`);
    t.true(settledAt - healedAt <= settleLimit, `settled ${settledAt - healedAt} ms after the heal (bound ${b.merge} + ${b.discovery} + ${M})`);
    // `frog status` (from B's namespace, across the bridge to A) shows one live copy of everything.
    let last: string | undefined = 'not asked';
    let consistentAt = 0;
    t.true(
      await waitFor(async () => {
        last = inconsistency(await pond.status(2, 'A'));
        consistentAt = Date.now();
        return last === undefined;
      }, 20_000, 100),
      `one consistent status after the heal (last: ${last})`,
    );
    t.log(`heal → first consistent \`frog status\`: ${consistentAt - healedAt} ms (each status is a new client process)`);
    const after = await pond.status(1, 'A');
    t.is(inconsistency(after), undefined, 'and it stays consistent');
    t.not(subtreesOf(after!).find((x) => x.path === 'sfConfig:keep:svc')!.instance, staleInstance, 'the running copy is a new instance');
    t.is(pond.of('A', 'failed', 'sfConfig:keep', cutAt).length, 0, 'the Retry itself never failed');

    // --- terminate: no component left on any peer ---------------------------------------------
    const terminated = await pond.frog(3, ['terminate', 'demo', '--peer', pond.control('C'), ...key]);
    t.is(terminated.code, 0, `frog terminate: ${terminated.out}${terminated.err}`);
    t.regex(terminated.out, /demo: terminated \(its root ran on A\)/);
    let empty: string | undefined = 'not asked';
    t.true(
      await waitFor(async () => {
        const s = await pond.status(1, 'A');
        empty = s && s.peers.length === 3 && s.peers.every((p) => !p.error && !p.applications?.length && !p.subtrees?.length) ? undefined : JSON.stringify(s?.peers.map((p) => [p.peer, p.error, p.applications?.length, p.subtrees?.length]));
        return empty === undefined;
      }, 20_000, 100),
      `every peer ends with no components (last: ${empty})`,
    );
    t.true(pond.allRunning(), `no peer exited on its own (stderr: ${pond.stderr.join('')})`);
  } finally {
    if (!t.passed) t.log(`${pond.log()}\n${pond.stderr.join('')}`);
    await net.destroy();
    t.deepEqual(net.remaining(), [], 'every namespace deleted');
    rmSync(dir, { recursive: true, force: true });
  }
});
