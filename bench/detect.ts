/**
 * `npm run bench -- detect [--peers N] [--trials N] [--window S] [--idle S] [--profile NAME] [--frog-only]`:
 * failure detection and heartbeat bytes, frogpond against serf, in one run on this host.
 *
 * Per trial, interleaved: N `frog peer` processes (profile `fast` by default), then N serf agents
 * (Debian's `serf`, default LAN settings, bound to 127.0.0.1, joined explicitly). Once a group is
 * stable (frog: every peer reports a stable view of N; serf: every agent lists N alive), it idles for
 * `--window` seconds (default 30, so that serf's push-pull over TCP, every 30 s, falls in it) while the kernel counts the bytes its processes send: each group runs
 * under a group id of its own and an iptables OUTPUT rule `-m owner --gid-owner` (no target, so it only
 * counts) sees every IP packet they send, UDP and TCP, multicast and unicast, headers included; bytes/s
 * per peer = bytes / window / N. Nothing polls serf during the window. Then one member is frozen
 * (SIGSTOP: only missing heartbeats tell) or killed (SIGKILL), alternately per trial pair, and we time
 * until every survivor reports it gone (frog: its `left` event, wall clock; serf: `serf members`
 * polled every 50 ms on each survivor, status no longer alive). Every survivor's time is printed.
 * The first frog trial idles `--idle S` (default 120; 0 skips) to count false suspicions (`left` or
 * `disconnected` events while idle); every window counts them too.
 * Needs root for iptables (without it, bytes are not measured). Rules are removed on exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../runtime/group/key-file.js';
import { boundsOf, getProfile } from '../runtime/group/profiles.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ev {
  peer: string;
  event: string;
  subject: string;
  time: number;
  members?: string[];
}

type Signal = 'SIGSTOP' | 'SIGKILL';

interface Trial {
  /** Each survivor's report time after the signal (ms), in survivor order. */
  times: number[];
  /** Bytes/s per peer over the idle window (NaN when not measured), all, and of which TCP. */
  bytesPerSecond: number;
  tcpPerSecond: number;
  falseSuspicions: number;
}

async function waitFor(cond: () => boolean, limitMs: number, stepMs = 5): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** iptables OUTPUT counting rules for one group id, UDP and TCP (no target: packets go on to the other rules). */
class ByteCounter {
  private readonly specs: string[][];
  readonly ok: boolean;
  constructor(readonly gid: number) {
    this.specs = ['udp', 'tcp'].map((p) => ['-p', p, '-m', 'owner', '--gid-owner', String(gid), '-m', 'comment', '--comment', `frogdetect-${process.pid}-${gid}-${p}`]);
    this.ok = this.specs.every((s) => spawnSync('iptables', ['-w', '5', '-I', 'OUTPUT', ...s], { encoding: 'utf8' }).status === 0);
    ByteCounter.live.add(this);
  }

  static readonly live = new Set<ByteCounter>();

  /** Bytes sent so far, UDP and TCP. */
  bytes(): { udp: number; tcp: number } {
    if (!this.ok) return { udp: NaN, tcp: NaN };
    const r = spawnSync('iptables', ['-w', '5', '-L', 'OUTPUT', '-v', '-x', '-n'], { encoding: 'utf8' });
    const read = (p: string) => {
      const line = r.stdout.split('\n').find((l) => l.includes(`/* frogdetect-${process.pid}-${this.gid}-${p} */`));
      return line ? Number(line.trim().split(/\s+/)[1]) : NaN;
    };
    return { udp: read('udp'), tcp: read('tcp') };
  }

  remove(): void {
    if (!ByteCounter.live.delete(this)) return;
    for (const s of this.specs) spawnSync('iptables', ['-w', '5', '-D', 'OUTPUT', ...s]);
  }
}

function cleanupRules(): void {
  for (const c of [...ByteCounter.live]) c.remove();
}

/** Every process started, so that an interrupted run leaves none behind. */
const started = new Set<ChildProcess>();
function track(c: ChildProcess): ChildProcess {
  started.add(c);
  c.once('exit', () => started.delete(c));
  return c;
}

async function frogTrial(o: { n: number; port: number; keyFile: string; profile: string; gid: number; windowS: number; signal: Signal; victim: number }): Promise<Trial | null> {
  const events: Ev[] = [];
  const procs: ChildProcess[] = [];
  const counter = new ByteCounter(o.gid);
  try {
    for (let i = 1; i <= o.n; i++) {
      const c = track(spawn(process.execPath, [join(root, 'bin/frog.js'), 'peer', '--name', `d${i}`, '--id', String(i), '--group', `239.255.42.42:${o.port}`, '--key-file', o.keyFile, '--profile', o.profile, '--events', 'json'], {
        stdio: ['ignore', 'pipe', 'ignore'],
        gid: counter.ok ? o.gid : undefined,
      }));
      let buf = '';
      c.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          try {
            events.push(JSON.parse(buf.slice(0, nl)));
          } catch {
            /* not an event line */
          }
          buf = buf.slice(nl + 1);
        }
      });
      procs.push(c);
    }
    const names = Array.from({ length: o.n }, (_, i) => `d${i + 1}`);
    const allStable = () =>
      names.every((p) => {
        const last = events.filter((e) => e.peer === p && (e.event === 'stable' || e.event === 'unstable')).at(-1);
        return last?.event === 'stable' && last.members?.length === o.n;
      });
    if (!(await waitFor(allStable, 30_000, 20))) return null;
    // As for serf: let the formation's own traffic (registrations with the leader) die down.
    await sleep(2000);
    const settled = Date.now();
    const b0 = counter.bytes();
    await sleep(o.windowS * 1000);
    const b1 = counter.bytes();
    const window = (Date.now() - settled) / 1000;
    const falseSuspicions = events.filter((e) => (e.event === 'left' || e.event === 'disconnected') && e.time >= settled).length;
    const victim = names[o.victim]!;
    const signalled = Date.now();
    procs[o.victim]!.kill(o.signal);
    const survivors = names.filter((_, i) => i !== o.victim);
    const reported = (p: string) => events.find((e) => e.peer === p && e.event === 'left' && e.subject === victim && e.time >= signalled);
    if (!(await waitFor(() => survivors.every((p) => reported(p) !== undefined), 30_000))) return null;
    return { times: survivors.map((p) => reported(p)!.time - signalled), bytesPerSecond: (b1.udp + b1.tcp - b0.udp - b0.tcp) / window / o.n, tcpPerSecond: (b1.tcp - b0.tcp) / window / o.n, falseSuspicions };
  } finally {
    for (const p of procs) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    counter.remove();
    await sleep(200);
  }
}

function serfMembers(rpc: string): { name: string; status: string }[] {
  const r = spawnSync('serf', ['members', `-rpc-addr=${rpc}`, '-format=json'], { encoding: 'utf8', timeout: 5000 });
  try {
    return (JSON.parse(r.stdout) as { members: { name: string; status: string }[] }).members;
  } catch {
    return [];
  }
}

async function serfTrial(o: { n: number; base: number; gid: number; windowS: number; signal: Signal; victim: number }): Promise<Trial | null> {
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'serf-bench-'));
  const counter = new ByteCounter(o.gid);
  try {
    for (let i = 0; i < o.n; i++) {
      const args = ['agent', `-node=s${i}`, `-bind=127.0.0.1:${o.base + i}`, `-rpc-addr=127.0.0.1:${o.base + 50 + i}`, '-log-level=err', `-snapshot=${join(dir, `s${i}.snap`)}`];
      if (i > 0) args.push(`-join=127.0.0.1:${o.base}`);
      procs.push(track(spawn('serf', args, { stdio: 'ignore', gid: counter.ok ? o.gid : undefined })));
    }
    const rpc = (i: number) => `127.0.0.1:${o.base + 50 + i}`;
    const all = Array.from({ length: o.n }, (_, i) => i);
    if (!(await waitFor(() => all.every((i) => serfMembers(rpc(i)).filter((m) => m.status === 'alive').length === o.n), 60_000, 200))) {
      console.log('  (serf agents did not all see each other within 60 s)');
      return null;
    }
    // Let the join's own gossip die down (a few push-pulls), as frog's window starts once stable.
    await sleep(2000);
    const settled = Date.now();
    const b0 = counter.bytes();
    await sleep(o.windowS * 1000);
    const b1 = counter.bytes();
    const window = (Date.now() - settled) / 1000;
    const falseSuspicions = all.filter((i) => serfMembers(rpc(i)).filter((m) => m.status === 'alive').length !== o.n).length;
    const signalled = Date.now();
    procs[o.victim]!.kill(o.signal);
    const survivors = all.filter((i) => i !== o.victim);
    const seen = new Map<number, number>();
    const end = Date.now() + 60_000;
    while (seen.size < survivors.length && Date.now() < end) {
      for (const s of survivors) {
        if (seen.has(s)) continue;
        const m = serfMembers(rpc(s)).find((x) => x.name === `s${o.victim}`);
        if (m && m.status !== 'alive') seen.set(s, Date.now());
      }
      await sleep(50);
    }
    if (seen.size < survivors.length) {
      console.log(`  (serf: ${seen.size} of ${survivors.length} survivors reported s${o.victim} within 60 s)`);
      return null;
    }
    return { times: survivors.map((s) => seen.get(s)! - signalled), bytesPerSecond: (b1.udp + b1.tcp - b0.udp - b0.tcp) / window / o.n, tcpPerSecond: (b1.tcp - b0.tcp) / window / o.n, falseSuspicions };
  } finally {
    for (const p of procs) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    counter.remove();
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a number`);
  return v;
}

export async function main(args: string[]): Promise<void> {
  const n = Math.max(3, Math.min(30, Math.floor(option(args, '--peers', 5))));
  const trials = Math.max(1, Math.floor(option(args, '--trials', 4)));
  const windowS = option(args, '--window', 30);
  const idle = option(args, '--idle', 120);
  const profileName = args.includes('--profile') ? args[args.indexOf('--profile') + 1]! : 'fast';
  const profile = getProfile(profileName);
  const b = boundsOf(profile);
  const dir = mkdtempSync(join(tmpdir(), 'frog-detect-'));
  const onExit = () => {
    for (const c of started) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    cleanupRules();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const onSignal = () => {
    onExit();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const keyFile = join(dir, 'group.key');
  await generateKeyFile(keyFile);
  const have = spawnSync('serf', ['version'], { encoding: 'utf8' });
  const serfOk = !have.error && !args.includes('--frog-only');
  const gidBase = 43000 + (process.pid % 1000) * 2;
  console.log(`${n} peers on this host; frogpond profile ${profileName} (I=${profile.interval} ms, T=${profile.timeout} ms; detection bound ${b.detection} ms, slack ${b.slack} ms)`);
  console.log(serfOk ? `serf: ${have.stdout.split('\n')[0]}, ${n} agents on 127.0.0.1, default LAN settings` : 'serf: not installed (apt-get install -y serf); serf columns skipped');
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const results: Record<'frog' | 'serf', Record<Signal, number[]>> = { frog: { SIGSTOP: [], SIGKILL: [] }, serf: { SIGSTOP: [], SIGKILL: [] } };
  const bytes: Record<'frog' | 'serf', number[]> = { frog: [], serf: [] };
  const udp: Record<'frog' | 'serf', number[]> = { frog: [], serf: [] };
  const falses: Record<'frog' | 'serf', number> = { frog: 0, serf: 0 };
  const show = (ts: number[]) => ts.map((x) => String(x)).join(', ');
  for (let t = 0; t < trials; t++) {
    // Frozen first (the issue's case), then killed, alternating, each pair frog then serf.
    for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
      const victim = 1 + ((t * 2 + (signal === 'SIGKILL' ? 1 : 0)) % (n - 1));
      const fw = t === 0 && signal === 'SIGSTOP' && idle > 0 ? idle : windowS;
      const f = await frogTrial({ n, port: 45200 + ((process.pid + t * 2 + (signal === 'SIGKILL' ? 1 : 0)) % 200), keyFile, profile: profileName, gid: gidBase, windowS: fw, signal, victim });
      if (f) {
        results.frog[signal].push(Math.max(...f.times));
        if (Number.isFinite(f.bytesPerSecond)) bytes.frog.push(f.bytesPerSecond), udp.frog.push(f.bytesPerSecond - f.tcpPerSecond);
        falses.frog += f.falseSuspicions;
        console.log(`  trial ${t + 1} frog ${signal}: every survivor after ${Math.max(...f.times)} ms (each: ${show(f.times)}); idle ${fw} s: ${f.bytesPerSecond.toFixed(0)} B/s per peer (TCP ${f.tcpPerSecond.toFixed(0)}), ${f.falseSuspicions} false suspicions`);
      } else console.log(`  trial ${t + 1} frog ${signal}: did not complete`);
      if (!serfOk) continue;
      const s = await serfTrial({ n, base: 47000 + ((t * 2 + (signal === 'SIGKILL' ? 1 : 0)) % 20) * 100, gid: gidBase + 1, windowS, signal, victim });
      if (s) {
        results.serf[signal].push(Math.max(...s.times));
        if (Number.isFinite(s.bytesPerSecond)) bytes.serf.push(s.bytesPerSecond), udp.serf.push(s.bytesPerSecond - s.tcpPerSecond);
        falses.serf += s.falseSuspicions;
        console.log(`  trial ${t + 1} serf ${signal}: every survivor after ${Math.max(...s.times)} ms (each: ${show(s.times)}); idle ${windowS} s: ${s.bytesPerSecond.toFixed(0)} B/s per peer (TCP ${s.tcpPerSecond.toFixed(0)})`);
      } else console.log(`  trial ${t + 1} serf ${signal}: did not complete`);
    }
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(3) : 'n/a');
  for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
    const fm = median(results.frog[signal]);
    const sm = median(results.serf[signal]);
    console.log(`median detection (${signal === 'SIGSTOP' ? 'frozen' : 'killed'}, every survivor): frogpond ${fm} ms, serf ${sm} ms, ratio ${ratio(fm, sm)}` + (signal === 'SIGSTOP' ? ' (target ≤ 0.1)' : ''));
  }
  const fb = median(bytes.frog);
  const sb = median(bytes.serf);
  console.log(`median bytes/s per peer while idle (IP packets, all sockets): frogpond ${fb.toFixed(0)}, serf ${sb.toFixed(0)}, ratio ${ratio(fb, sb)} (target ≤ 1)`);
  const fu = median(udp.frog);
  const su = median(udp.serf);
  console.log(`  of which UDP (frog: heartbeats and keep-alives; serf: probes, acks, gossip): frogpond ${fu.toFixed(0)}, serf ${su.toFixed(0)}, ratio ${ratio(fu, su)}; frog's TCP is its state-space links (nothing while truly idle)`);
  console.log(`false suspicions while idle: frogpond ${falses.frog}, serf ${falses.serf}`);
}
