/**
 * Unicast groups (`frog peer --join`, docs/design/group.md §7) in network namespaces (test/support/netns.ts),
 * issue 18: the partition tests of test/group/netns.test.ts over unicast only, a mixed group (some
 * peers hear multicast, one only unicast) and a duplicate node id over unicast. Profile `lan`; every
 * bound comes from `boundsOf(lan)` (the unicast ones, `unicastJoin`, where a peer joins by unicast)
 * plus a margin M for a shared runner; events carry wall-clock times and all namespaces share one clock.
 *
 * Skipped, with the reason in the title, where namespaces cannot be created; the one-way case also
 * where `iptables` is not installed. Every wait is bounded; each test takes about 10 to 20 s.
 */
import test, { type ExecutionContext } from 'ava';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../runtime/group/key-file.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { NetnsHarness, iptablesAvailability, netnsAvailability } from '../support/netns.js';
import { scratchDir } from '../support/scratch.js';
import { onJsonLines } from '../support/peer-process.js';
import { sleep, waitFor } from '../support/wait.js';

const M = 1000; // measurement margin on a shared runner (process start-up excluded: bounds are timed from the cause)
const STARTUP_LIMIT = 30_000; // generous guard for the tsx start-ups and the first stable view
const root = fileURLToPath(new URL('../..', import.meta.url));
const profile = getProfile('lan');
const b = boundsOf(profile);
const PORT = 45160;

interface PeerEvent {
  time: number;
  peer: string;
  event: string;
  subject: string;
  members?: string[];
  leader?: string;
  reason?: string;
  message?: string;
  code?: string;
}

/** `frog peer` processes in the harness's namespaces (started one by one), their events, and the checks the tests share. */
class Pond {
  readonly events: PeerEvent[] = [];
  readonly procs = new Map<string, ChildProcess>();
  readonly stderr: string[] = [];

  constructor(readonly net: NetnsHarness, readonly t: ExecutionContext, readonly keyFile: string) {}

  /** Starts peer `name` on host `index` with node id `id` and the extra options (`--join`, `--join-port`). */
  start(name: string, index: number, id: number, extra: string[]): ChildProcess {
    const h = this.net.host(index);
    const child = this.net.spawn(index, process.execPath, [join(root, 'bin/frog.js'), 'peer', '--name', name, '--id', String(id), '--group', `239.255.42.42:${PORT}`, '--key-file', this.keyFile, '--interface', h.address, '--profile', 'lan', '--events', 'json', ...extra]);
    onJsonLines(child.stdout!, (v) => this.events.push(v as PeerEvent), (line) => this.t.fail(`${name} wrote a line that is not JSON: ${line}`));
    child.stderr!.on('data', (c: Buffer) => void this.stderr.push(`${name}: ${c.toString()}`));
    this.procs.set(name, child);
    return child;
  }

  get names(): string[] {
    return [...this.procs.keys()];
  }

  seed(index = 1): string {
    return `${this.net.host(index).address}:${PORT}`;
  }

  /** The members of `peer`'s latest stability event, if it is `stable`. */
  stableView(peer: string): string[] | undefined {
    const last = this.events.filter((e) => e.peer === peer && (e.event === 'stable' || e.event === 'unstable')).at(-1);
    return last?.event === 'stable' ? [...(last.members ?? [])].sort() : undefined;
  }

  stableWith(peer: string, members: readonly string[]): boolean {
    return this.stableView(peer)?.join(',') === [...members].sort().join(',');
  }

  leftAt(peer: string, subject: string, since: number): number | undefined {
    return this.events.find((e) => e.peer === peer && e.event === 'left' && e.subject === subject && e.time >= since)?.time;
  }

  /** The time of `peer`'s first stable event with exactly `members` at or after `since`. */
  stableAt(peer: string, members: readonly string[], since: number): number | undefined {
    const want = [...members].sort().join(',');
    return this.events.find((e) => e.peer === peer && e.event === 'stable' && e.time >= since && [...(e.members ?? [])].sort().join(',') === want)?.time;
  }

  /** P1 over the current stable views of `among`: if q is in p's stable view, q's stable view is the same. */
  consistent(among: readonly string[] = this.names): boolean {
    for (const p of among) {
      const vp = this.stableView(p);
      if (!vp) continue;
      for (const q of vp) {
        const vq = this.stableView(q);
        if (vq && vq.join(',') !== vp.join(',')) return false;
      }
    }
    return true;
  }

  views(among: readonly string[] = this.names): string {
    return among.map((p) => `${p}{${this.stableView(p) ?? 'unstable'}}`).join(' ');
  }

  running(name: string): boolean {
    const p = this.procs.get(name)!;
    return p.exitCode === null && p.signalCode === null;
  }

  async formed(names: readonly string[]): Promise<boolean> {
    const ok = await waitFor(() => names.every((p) => this.stableWith(p, names)), STARTUP_LIMIT, 5);
    this.t.true(ok, `${names.join(', ')} form one stable view (stderr: ${this.stderr.join('')})`);
    return ok;
  }

  /**
   * Polls P1 every 10 ms until `cond` holds or `limitMs` passes; every inconsistent sample is
   * recorded. Whether `cond` held.
   */
  async watch(cond: () => boolean, limitMs: number, samples: { n: number; bad: string[] } = { n: 0, bad: [] }): Promise<boolean> {
    return waitFor(() => {
      samples.n++;
      if (!this.consistent()) samples.bad.push(`${Date.now()}: ${this.views()}`);
      return cond();
    }, limitMs, 10);
  }

  log(): void {
    this.t.log(this.events.map((e) => `${e.time} ${e.peer} ${e.event} ${e.subject}${e.members ? ` {${e.members.join(',')}}` : ''}${e.reason ? ` (${e.reason})` : ''}${e.message ? ` ${e.message}` : ''}`).join('\n'));
    this.t.log(this.stderr.join(''));
  }
}

const netns = netnsAvailability();
const iptables = iptablesAvailability();
const keyDir = scratchDir('frog-unicast-netns-');
let keys = 0;

/** A harness of `hosts` hosts, a fresh key, and the teardown (every namespace deleted, whatever happened). */
async function withPond(t: ExecutionContext, hosts: number, body: (pond: Pond) => Promise<void>): Promise<void> {
  t.timeout(120_000);
  const keyFile = join(keyDir, `group-${keys++}.key`);
  await generateKeyFile(keyFile);
  const net = NetnsHarness.create(hosts);
  const pond = new Pond(net, t, keyFile);
  try {
    await body(pond);
  } finally {
    if (!t.passed) pond.log();
    await net.destroy();
    t.deepEqual(net.remaining(), [], 'every namespace deleted');
  }
}

const nsTest = netns.ok ? test.serial : test.skip;
const nsSuffix = netns.ok ? '' : ` (skipped: ${netns.reason})`;
const iptTest = netns.ok && iptables.ok ? test.serial : test.skip;
const iptSuffix = !netns.ok ? ` (skipped: ${netns.reason})` : iptables.ok ? '' : ` (skipped: ${iptables.reason})`;

iptTest(`namespaces without multicast: a one-way drop separates its two ends (P1 at every sample), flushing it merges them${iptSuffix}`, async (t) => {
  await withPond(t, 3, async (pond) => {
    pond.net.blockMulticast();
    for (const i of [1, 2, 3]) pond.start(`n${i}`, i, i, ['--join', pond.seed(1)]);
    const names = pond.names;
    if (!(await pond.formed(names))) return;
    const [n1, n2, n3] = names as [string, string, string];
    const samples = { n: 0, bad: [] as string[] };

    // n3 stops hearing n1 (unicast heartbeats, directories and TCP alike); n1 still hears n3.
    const cut = Date.now();
    pond.net.dropFrom(3, 1);
    const settled = () => names.every((p) => pond.stableView(p) !== undefined) && !pond.stableView(n1)!.includes(n3) && !pond.stableView(n3)!.includes(n1);
    t.true(await pond.watch(settled, b.restabilisation + M, samples), `every peer stable with n1 and n3 apart: ${pond.views()}`);
    const a31 = pond.leftAt(n3, n1, cut);
    const a13 = pond.leftAt(n1, n3, cut);
    t.true(a31 !== undefined && a31 - cut <= b.asymmetricEviction + M, `n3 evicts n1 after ${a31 === undefined ? '-' : a31 - cut} ms (bound ${b.asymmetricEviction} + ${M})`);
    t.true(a13 !== undefined && a13 - cut <= b.asymmetricEviction + profile.interval + M, `n1 evicts n3 after ${a13 === undefined ? '-' : a13 - cut} ms (bound ${b.asymmetricEviction + profile.interval} + ${M})`);
    const stableApartAt = (p: string) => pond.events.find((e) => e.peer === p && e.event === 'stable' && e.time >= cut && !(e.members?.includes(n1) && e.members.includes(n3)))?.time;
    for (const p of names) {
      const at = stableApartAt(p);
      t.true(at !== undefined && at - cut <= b.restabilisation + M, `${p} stable after ${at === undefined ? '-' : at - cut} ms (bound ${b.restabilisation} + ${M})`);
    }
    const v2 = pond.stableView(n2)?.join(',');
    t.true(v2 === `${n1},${n2}` || v2 === `${n2},${n3}` || v2 === n2, `n2 ends with one of them or alone: {${v2}}`);

    // The split holds (no flapping) while the drop is in place.
    await pond.watch(() => false, profile.quiescence, samples);
    t.true(settled(), `the split holds while the drop is in place: ${pond.views()}`);

    const healed = Date.now();
    pond.net.flushDrops(3);
    t.true(await pond.watch(() => names.every((p) => pond.stableWith(p, names)), b.merge + M, samples), 'one stable view of three after flushing the drop');
    const mergedAt = Math.max(...names.map((p) => pond.stableAt(p, names, healed) ?? Infinity));
    t.true(mergedAt - healed <= b.merge + M, `merged ${mergedAt - healed} ms after the flush (bound ${b.merge} + ${M}; the addresses were kept, so B6 holds, docs/design/group.md §7)`);
    t.deepEqual(samples.bad, [], `P1 held at every one of ${samples.n} samples`);
    t.true(names.every((p) => pond.running(p)), 'no peer exited on its own');
    t.log(`unicast one-way drop: apart ${Math.max(...names.map((p) => stableApartAt(p)!)) - cut} ms (bound ${b.restabilisation}), merged ${mergedAt - healed} ms after the flush (bound ${b.merge}), ${samples.n} P1 samples`);
  });
});

nsTest(`namespaces, mixed group: two peers on multicast and one on unicast only form one group within the unicast join bound; a cut and heal of the unicast one split and merge${nsSuffix}`, async (t) => {
  await withPond(t, 3, async (pond) => {
    // Host 3 hears no multicast (what it sends still floods to the others).
    pond.net.blockMulticast([3]);
    // The seed listens for unicast members (--join-port); n2 names the seed, so the seed learns its unicast address (§7 "Mixed groups").
    pond.start('n1', 1, 1, ['--join-port', String(PORT)]);
    pond.start('n2', 2, 2, ['--join', pond.seed(1)]);
    if (!(await pond.formed(['n1', 'n2']))) return;
    // Over multicast alone, n1 and n2 merge as any two peers do.
    t.is(pond.events.filter((e) => e.event === 'conflict').length, 0, 'no conflict');

    pond.start('n3', 3, 3, ['--join', pond.seed(1)]);
    const names = ['n1', 'n2', 'n3'];
    // Timed from n3's first event (its group member started; process start-up excluded).
    if (!(await waitFor(() => pond.events.some((e) => e.peer === 'n3'), STARTUP_LIMIT, 5))) return void t.fail(`n3 never started: ${pond.stderr.join('')}`);
    const started = pond.events.find((e) => e.peer === 'n3')!.time;
    t.true(await waitFor(() => names.every((p) => pond.stableWith(p, names)), b.unicastJoin + M + 2000), `one stable view of three: ${pond.views()}`);
    const joinedAt = Math.max(...names.map((p) => pond.stableAt(p, names, started) ?? Infinity));
    t.true(joinedAt - started <= b.unicastJoin + M, `one stable view of three ${joinedAt - started} ms after n3 started (bound unicastJoin ${b.unicastJoin} + ${M})`);
    const leaders = new Set(names.map((p) => pond.events.filter((e) => e.peer === p && e.event === 'stable').at(-1)?.leader));
    t.is(leaders.size, 1, 'one leader');

    // Cut n3 off the bridge: both sides split within the bounds.
    const cut = Date.now();
    pond.net.cut(3);
    const split = () => pond.stableWith('n1', ['n1', 'n2']) && pond.stableWith('n2', ['n1', 'n2']) && pond.stableWith('n3', ['n3']);
    t.true(await waitFor(split, b.restabilisation + M), `n1, n2 stable as two; n3 alone: ${pond.views()}`);
    for (const [p, s] of [['n1', 'n3'], ['n2', 'n3'], ['n3', 'n1'], ['n3', 'n2']] as const) {
      const at = pond.leftAt(p, s, cut);
      t.true(at !== undefined && at - cut <= b.detection + M, `${p} reports ${s} gone after ${at === undefined ? '-' : at - cut} ms (bound ${b.detection} + ${M})`);
    }
    const splitAt = Math.max(pond.stableAt('n1', ['n1', 'n2'], cut) ?? Infinity, pond.stableAt('n2', ['n1', 'n2'], cut) ?? Infinity, pond.stableAt('n3', ['n3'], cut) ?? Infinity);
    t.true(splitAt - cut <= b.restabilisation + M, `stable apart ${splitAt - cut} ms after the cut (bound ${b.restabilisation} + ${M})`);
    t.true(pond.consistent(), 'P1 while split');

    await sleep(profile.quiescence);
    t.true(split(), 'the split holds while the link is down');
    const healed = Date.now();
    pond.net.heal(3);
    t.true(await waitFor(() => names.every((p) => pond.stableWith(p, names)), b.merge + M), `one stable view of three after the heal: ${pond.views()}`);
    const mergedAt = Math.max(...names.map((p) => pond.stableAt(p, names, healed) ?? Infinity));
    t.true(mergedAt - healed <= b.merge + M, `merged ${mergedAt - healed} ms after the heal (bound ${b.merge} + ${M}: a short cut keeps the addresses)`);
    t.true(names.every((p) => pond.running(p)), 'no peer exited on its own');
    t.log(`mixed group: joined ${joinedAt - started} ms (bound ${b.unicastJoin}), split ${splitAt - cut} ms (bound ${b.restabilisation}), merged ${mergedAt - healed} ms (bound ${b.merge})`);
  });
});

nsTest(`namespaces without multicast: a duplicate node id joining the same seed is reported naming both peers, and the views stay consistent${nsSuffix}`, async (t) => {
  await withPond(t, 4, async (pond) => {
    pond.net.blockMulticast();
    for (const i of [1, 2, 3]) pond.start(`n${i}`, i, i, ['--join', pond.seed(1)]);
    const names = ['n1', 'n2', 'n3'];
    if (!(await pond.formed(names))) return;

    // `dup` on host 4 has n2's node id and joins through the same seed.
    const since = Date.now();
    const dup = pond.start('dup', 4, 2, ['--join', pond.seed(1)]);
    const samples = { n: 0, bad: [] as string[] };
    const reported = () => pond.events.some((e) => e.time >= since && (e.event === 'conflict' || e.event === 'refused'));
    t.true(await pond.watch(reported, STARTUP_LIMIT, samples), 'the clash is reported');
    // Give it time to do harm: a join and a restabilisation.
    await pond.watch(() => false, b.unicastJoin + b.restabilisation, samples);
    const clash = pond.events.filter((e) => e.time >= since && (e.event === 'conflict' || e.event === 'refused'));
    t.log(clash.map((e) => `${e.peer} ${e.event} ${e.subject}: ${e.code} ${e.message}`).join('\n'));
    t.true(clash.some((e) => /\bn2\b/.test(e.message ?? '') && /\bdup\b/.test(e.message ?? '')), `one report names both n2 and dup: ${clash.map((e) => e.message).join(' | ')}`);
    t.true(clash.every((e) => typeof e.code === 'string' && /^SF45\d\d$/.test(e.code)), 'each report carries its catalogue code');
    // As over multicast: the later peer hears the incumbent (the seed's directory names it) and refuses itself.
    const refused = pond.events.find((e) => e.peer === 'dup' && e.event === 'refused');
    t.is(refused?.code, 'SF4516', `the duplicate refuses itself: ${refused?.message}`);
    t.regex(refused?.message ?? '', /node id 2: it is already used by peer `n2`/);
    t.true(await waitFor(() => dup.exitCode !== null || dup.signalCode !== null, 10_000), 'the refused duplicate exits');
    // The group of three is intact and never took the duplicate in.
    t.true(await pond.watch(() => names.every((p) => pond.stableWith(p, names)), b.restabilisation + M, samples), `n1, n2, n3 stable together: ${pond.views(names)}`);
    t.false(pond.events.some((e) => names.includes(e.peer) && e.event === 'joined' && e.subject === 'dup'), 'no member admitted the duplicate');
    t.false(pond.events.some((e) => names.includes(e.peer) && e.event === 'left' && e.time >= since), 'no member lost another');
    t.deepEqual(samples.bad, [], `P1 held at every one of ${samples.n} samples`);
    t.true(names.every((p) => pond.running(p)), 'no member exited');
  });
});
