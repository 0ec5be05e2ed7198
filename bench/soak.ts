/**
 * `npm run bench -- soak [--minutes M] [--peers N] [--churn C] [--profile P] [--churn-seconds S]
 *  [--busy K] [--nice N] [--seed X] [--port PORT] [--self-check]`: the soak run of issue 18.
 *
 * N real `frog peer` processes (`--events json`, a fresh group key, group 239.255.42.160 on a port
 * of its own, loopback) run for M minutes while K busy child processes (default: one per core)
 * hash and allocate at normal priority. N − C of them (the core) never stop; every S seconds one of
 * the C churning peers either leaves gracefully (SIGTERM) or, when stopped, starts again.
 *
 * Every removal a peer reports (`disconnected`, with its reason, and `left`, a change of the
 * partition view; runtime/group/heartbeat-machine.ts, docs/design/group.md) is classified:
 * expected when its subject was stopped by us (SIGTERM sent at or before the event and not yet
 * started again, or started again less than T + I + slack ago), when it is the `restarted`
 * eviction of an old incarnation, or when the observer itself was being stopped; otherwise it is a
 * false suspicion of a running peer. `--self-check` freezes a core peer (SIGSTOP) for 2 s half-way:
 * the removals around it must be found and are then attributed to the freeze (true suspicions).
 *
 * Also counted: view changes per peer (stable/unstable transitions, joined/left), RSS per peer
 * (/proc/PID/status at the start of each life and every minute; growth of the core peers) and the
 * group's bandwidth (iptables OUTPUT counters on the group's UDP port and on every peer's TCP
 * listening ports, removed at the end), compared with the profile's nominal heartbeat rate.
 * Exits 1 when a false suspicion occurred (or the self-check failed), 2 on bad options.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../runtime/group/key-file.js';
import { boundsOf, getProfile, type TimingProfile } from '../runtime/group/profiles.js';
import { CLOCK_SLACK, classifyRemovals, parseSoakArgs, type Ev, type Freeze, type Removal, type SoakOptions } from '../test/support/soak.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GROUP_ADDRESS = '239.255.42.160';
/** Slack on top of T + I for a starved machine: detection of a stopped peer may come late. */
const BUSY_SLACK = 3000;
const FREEZE_MS = 2000;

/** mulberry32: a small seeded generator, so that a run's churn can be repeated. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Life {
  start: number;
  /** When we sent SIGTERM (or saw it exit on its own). */
  stop?: number;
  pid?: number;
  exitCode?: number | null;
  exitSignal?: string | null;
  /** RSS samples in kB. */
  rss: { time: number; kb: number }[];
  ports: number[];
}

interface Slot {
  name: string;
  id: number;
  core: boolean;
  child?: ChildProcess;
  lives: Life[];
  running: boolean;
  /** Set while a stop of ours is under way, so that its exit is not taken for a crash. */
  stopping: boolean;
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function rssKb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The TCP ports `pid` listens on (its peer-link and control ports), from /proc. */
function listeningPorts(pid: number | undefined): number[] {
  if (!pid) return [];
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      ports.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return [...new Set(ports)];
}

/** iptables counting rules (no target: they only count), tagged with a comment of this run. */
class Counters {
  readonly tag = `frogsoak-${process.pid}`;
  available = false;
  private tcpPorts = new Set<number>();
  /** Bytes and packets of TCP rules already removed (ports of stopped peers). */
  private retiredTcp = { bytes: 0, packets: 0 };
  note = '';

  private ipt(args: string[]): { ok: boolean; out: string } {
    const r = spawnSync('iptables', ['-w', '5', ...args], { encoding: 'utf8', timeout: 10_000 });
    return { ok: r.status === 0, out: (r.stdout ?? '') + (r.stderr ?? '') };
  }

  start(port: number): void {
    const r = this.ipt(['-I', 'OUTPUT', '-p', 'udp', '-d', GROUP_ADDRESS, '--dport', String(port), '-m', 'comment', '--comment', `${this.tag}-udp`]);
    this.available = r.ok;
    if (!r.ok) this.note = `iptables not usable (${r.out.trim().split('\n')[0]}); no bandwidth figures`;
  }

  addTcpPort(p: number): void {
    if (!this.available || this.tcpPorts.has(p)) return;
    this.tcpPorts.add(p);
    for (const dir of ['--sport', '--dport']) this.ipt(['-I', 'OUTPUT', '-o', 'lo', '-p', 'tcp', dir, String(p), '-m', 'comment', '--comment', `${this.tag}-tcp-${p}`]);
  }

  /** Moves the counts of `ports`' rules to the retired total and deletes the rules. */
  retireTcpPorts(ports: number[]): void {
    if (!this.available) return;
    const now = this.read();
    for (const p of ports) {
      if (!this.tcpPorts.has(p)) continue;
      const c = now.perPort.get(p);
      if (c) {
        this.retiredTcp.bytes += c.bytes;
        this.retiredTcp.packets += c.packets;
      }
      this.tcpPorts.delete(p);
      this.deleteMatching(`${this.tag}-tcp-${p}`);
    }
  }

  private listRules(): string[] {
    const r = this.ipt(['-S', 'OUTPUT']);
    return r.ok ? r.out.split('\n') : [];
  }

  private deleteMatching(comment: string): void {
    for (const line of this.listRules()) {
      if (!line.startsWith('-A OUTPUT ')) continue;
      const spec = line.slice('-A OUTPUT '.length).match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ''));
      if (spec.includes(comment)) this.ipt(['-D', 'OUTPUT', ...spec]);
    }
  }

  read(): { udp: { bytes: number; packets: number }; tcp: { bytes: number; packets: number }; perPort: Map<number, { bytes: number; packets: number }> } {
    const udp = { bytes: 0, packets: 0 };
    const tcp = { ...this.retiredTcp };
    const perPort = new Map<number, { bytes: number; packets: number }>();
    if (!this.available) return { udp, tcp, perPort };
    const r = this.ipt(['-L', 'OUTPUT', '-n', '-v', '-x']);
    for (const line of r.out.split('\n')) {
      const f = line.trim().split(/\s+/);
      const packets = Number(f[0]), bytes = Number(f[1]);
      if (!Number.isFinite(bytes)) continue;
      const u = line.includes(`${this.tag}-udp`);
      const t = new RegExp(`${this.tag}-tcp-(\\d+)`).exec(line);
      if (u) {
        udp.bytes += bytes;
        udp.packets += packets;
      } else if (t) {
        tcp.bytes += bytes;
        tcp.packets += packets;
        const p = Number(t[1]);
        const c = perPort.get(p) ?? { bytes: 0, packets: 0 };
        c.bytes += bytes;
        c.packets += packets;
        perPort.set(p, c);
      }
    }
    return { udp, tcp, perPort };
  }

  /** Removes every rule of this run; safe to call more than once, synchronous (for 'exit'). */
  cleanup(): void {
    if (!this.available) return;
    this.available = false;
    for (let round = 0; round < 3; round++) {
      const mine = this.listRules().filter((l) => l.startsWith('-A OUTPUT') && l.includes(`${this.tag}-`));
      if (!mine.length) return;
      for (const line of mine) {
        const spec = line.slice('-A OUTPUT '.length).match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ''));
        this.ipt(['-D', 'OUTPUT', ...spec]);
      }
    }
  }
}

const BUSY_CODE = `
const { createHash, randomBytes } = require('node:crypto');
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
const end = Date.now() + ${24 * 3600 * 1000};
let keep = [];
function work() {
  if (Date.now() > end) process.exit(0);
  const t = Date.now() + 50;
  while (Date.now() < t) {
    createHash('sha256').update(randomBytes(65536)).digest();
    keep.push(new Array(256).fill(Math.random()));
    if (keep.length > 20000) keep = [];
  }
  setImmediate(work);
}
work();
`;

export async function main(args: string[]): Promise<void> {
  let o: SoakOptions;
  let profile: TimingProfile;
  try {
    o = parseSoakArgs(args);
    profile = getProfile(o.profile);
  } catch (e) {
    process.stderr.write(`bench soak: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
    return;
  }
  const bounds = boundsOf(profile);
  const D = bounds.detection + BUSY_SLACK;
  const random = rng(o.seed);
  const dir = mkdtempSync(join(tmpdir(), 'frog-soak-'));
  const keyFile = join(dir, 'group.key');
  await generateKeyFile(keyFile);
  const group = `${GROUP_ADDRESS}:${o.port}`;
  const counters = new Counters();
  const busy: ChildProcess[] = [];
  const slots: Slot[] = Array.from({ length: o.peers }, (_, i) => ({ name: `soak${i + 1}`, id: i + 1, core: i < o.peers - o.churn, lives: [], running: false, stopping: false }));
  const byName = new Map(slots.map((s) => [s.name, s]));
  const events: Ev[] = [];
  const crashes: string[] = [];
  const freezes: Freeze[] = [];
  let cleaned = false;

  /** Kills everything we started and removes our iptables rules; synchronous, idempotent. */
  const cleanupSync = () => {
    if (cleaned) return;
    cleaned = true;
    for (const s of slots) {
      if (s.child && s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGCONT');
        s.child.kill('SIGKILL');
      }
    }
    for (const b of busy) if (b.exitCode === null && b.signalCode === null) b.kill('SIGKILL');
    counters.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\nbench soak: ${sig}: stopping peers and workers, removing iptables rules\n`);
    cleanupSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanupSync);

  const startPeer = (s: Slot): void => {
    const args = [join(root, 'bin/frog.js'), 'peer', '--name', s.name, '--id', String(s.id), '--key-file', keyFile, '--group', group, '--interface', '127.0.0.1', '--profile', o.profile, '--listen', '127.0.0.1:0', '--data', join(dir, `data-${s.name}`), '--events', 'json'];
    if (o.nice !== undefined) args.push('--nice', String(o.nice));
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const life: Life = { start: Date.now(), pid: child.pid, rss: [], ports: [] };
    s.lives.push(life);
    s.child = child;
    s.running = true;
    s.stopping = false;
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (e.event === 'listening') {
          // The control port is known now; the peer-link port was bound before it.
          for (const p of listeningPorts(child.pid)) {
            life.ports.push(p);
            counters.addTcpPort(p);
          }
          const kb = rssKb(child.pid);
          if (kb !== null) life.rss.push({ time: Date.now(), kb });
        }
        if (typeof e.event !== 'string' || typeof e.time !== 'number') continue;
        if (!['joined', 'left', 'stable', 'unstable', 'connected', 'disconnected', 'refused', 'conflict', 'clock-step', 'link-ignored', 'leader'].includes(e.event)) continue;
        const ev: Ev = { time: e.time, peer: s.name, event: e.event, subject: String(e.subject ?? s.name) };
        if (typeof e.reason === 'string') ev.reason = e.reason;
        if (Array.isArray(e.members)) ev.members = e.members.map(String);
        events.push(ev);
      }
    });
    child.stderr!.on('data', () => undefined);
    child.once('exit', (code, signal) => {
      life.exitCode = code;
      life.exitSignal = signal;
      if (!s.stopping && !cleaned) {
        life.stop ??= Date.now();
        crashes.push(`${new Date().toISOString()} ${s.name} exited on its own (code ${code}, signal ${signal})`);
      }
      if (s.child === child) s.running = false;
    });
  };

  /** SIGTERM (a graceful leave), then the exit within 10 s, else SIGKILL (5 s more). */
  const stopPeer = async (s: Slot): Promise<void> => {
    const child = s.child;
    const life = s.lives.at(-1);
    if (!child || !life) return;
    s.stopping = true;
    life.stop ??= Date.now();
    const kb = rssKb(child.pid);
    if (kb !== null) life.rss.push({ time: Date.now(), kb });
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const ok = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!ok) {
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(5_000)]);
      }
    }
    s.running = false;
    counters.retireTcpPorts(life.ports);
  };

  const allStable = (names: string[]) =>
    names.every((p) => {
      const last = events.filter((e) => e.peer === p && (e.event === 'stable' || e.event === 'unstable')).at(-1);
      return last?.event === 'stable' && last.members?.length === names.length && names.every((n) => last.members!.includes(n));
    });

  const removals = (until = Infinity) => classifyRemovals(events.filter((e) => e.time <= until), byName, freezes, D);

  const sampleRss = () => {
    for (const s of slots) {
      const life = s.lives.at(-1);
      if (!s.running || !life || life.stop !== undefined) continue;
      const kb = rssKb(life.pid);
      if (kb !== null) life.rss.push({ time: Date.now(), kb });
    }
  };

  let exitCode = 0;
  try {
    console.log(`soak: ${o.peers} frog peers (${o.peers - o.churn} core, ${o.churn} churning every ${o.churnSeconds} s), profile ${o.profile} (I=${profile.interval} ms, T=${profile.timeout} ms, bound T+I=${bounds.detection} ms), peers at nice ${o.nice ?? "(unchanged)"}, ${o.busy} busy workers, ${o.minutes} min, seed ${o.seed}, group ${group}${o.selfCheck ? ', self-check (a core peer frozen for 2 s half-way)' : ''}`);
    console.log(`  cores ${availableParallelism()}, load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    counters.start(o.port);
    if (counters.note) console.log(`  ${counters.note}`);
    for (let i = 0; i < o.busy; i++) busy.push(spawn(process.execPath, ['-e', BUSY_CODE], { stdio: ['pipe', 'ignore', 'ignore'] }));
    for (const s of slots) startPeer(s);
    const formStart = Date.now();
    const formEnd = formStart + 120_000;
    while (Date.now() < formEnd && !allStable(slots.map((s) => s.name))) await sleep(100);
    if (!allStable(slots.map((s) => s.name))) {
      console.log(`  the group did not become stable with all ${o.peers} peers within 120 s; giving up`);
      exitCode = 1;
      return;
    }
    console.log(`  all ${o.peers} peers stable together after ${((Date.now() - formStart) / 1000).toFixed(1)} s`);
    sampleRss();

    const t0 = Date.now();
    const end = t0 + o.minutes * 60_000;
    const c0 = counters.read();
    let lastMinute = { time: t0, udp: c0.udp, tcp: c0.tcp };
    let nextChurn = o.churn > 0 ? t0 + o.churnSeconds * 1000 : Infinity;
    let nextMinute = t0 + 60_000;
    const freezeAt = o.selfCheck ? t0 + (end - t0) / 2 : Infinity;
    let frozen = false;
    let churnActions = 0;
    const loadSamples: { time: number; load: number }[] = [];
    const evStart = events.length;
    while (Date.now() < end) {
      const now = Date.now();
      if (!loadSamples.length || now - loadSamples.at(-1)!.time >= 5000) loadSamples.push({ time: now, load: loadavg()[0]! });
      if (now >= freezeAt && !frozen) {
        frozen = true;
        const victim = slots.find((s) => s.core && s.running)!;
        const from = Date.now();
        victim.child!.kill('SIGSTOP');
        await sleep(FREEZE_MS);
        victim.child!.kill('SIGCONT');
        freezes.push({ name: victim.name, from, to: Date.now() });
        console.log(`  self-check: froze ${victim.name} (a core peer) for ${FREEZE_MS} ms at ${new Date(from).toISOString()}`);
      }
      if (o.churn > 0 && now >= nextChurn) {
        nextChurn = now + o.churnSeconds * 1000;
        const churners = slots.filter((s) => !s.core);
        const s = churners[Math.floor(random() * churners.length)]!;
        churnActions++;
        if (s.running) await stopPeer(s);
        else startPeer(s);
      }
      if (now >= nextMinute) {
        nextMinute += 60_000;
        sampleRss();
        const c = counters.read();
        const secs = (now - lastMinute.time) / 1000;
        const rs = removals().filter((r) => r.time >= t0);
        const core = slots.filter((s) => s.core).map((s) => s.lives.at(-1)?.rss.at(-1)?.kb ?? 0);
        const views = events.slice(evStart).filter((e) => e.event === 'stable' || e.event === 'unstable').length;
        console.log(
          `  [${((now - t0) / 60_000).toFixed(1)} min] running ${slots.filter((s) => s.running).length}/${o.peers}, churn actions ${churnActions}, removals ${rs.length} (expected ${rs.filter((r) => r.kind === 'expected').length}, false ${rs.filter((r) => r.kind === 'false').length}${freezes.length ? `, freeze ${rs.filter((r) => r.kind === 'freeze').length}` : ''}), view changes ${views}` +
            `, core RSS median ${(median(core) / 1024).toFixed(1)} MB` +
            (counters.available ? `, group ${((c.udp.bytes - lastMinute.udp.bytes + c.tcp.bytes - lastMinute.tcp.bytes) / secs / 1024).toFixed(1)} KiB/s` : '') +
            `, load ${loadavg()[0]!.toFixed(2)}`,
        );
        lastMinute = { time: now, udp: c.udp, tcp: c.tcp };
      }
      await sleep(Math.max(10, Math.min(nextChurn, nextMinute, end, frozen ? Infinity : freezeAt) - Date.now()));
    }
    const t1 = Date.now();
    // Let detections of the last stop land before classifying.
    await sleep(D);
    sampleRss();
    const c1 = counters.read();
    const all = removals(t1 + D);
    const rs = all.filter((r) => r.time >= t0);
    const forming = all.filter((r) => r.time < t0);
    const loadEnd = loadavg();

    // Summary.
    const secs = (t1 - t0) / 1000;
    console.log(`\nsummary after ${(secs / 60).toFixed(1)} min (load average at end ${loadEnd.map((x) => x.toFixed(2)).join(' ')}), churn actions ${churnActions}, peer starts ${slots.reduce((n, s) => n + s.lives.length, 0)}`);
    console.log('  peer     kind   lives  stable unstable joined  left disc.  RSS start→end MB   growth MB   MB/hour');
    const coreGrowth: number[] = [];
    for (const s of slots) {
      const mine = events.filter((e) => e.peer === s.name && e.time >= t0 && e.time <= t1);
      const n = (ev: string) => mine.filter((e) => e.event === ev).length;
      const first = s.lives[0]?.rss.find((x) => x.time >= t0 - 5_000) ?? s.lives[0]?.rss[0];
      const lastLife = s.lives.at(-1);
      const last = lastLife?.rss.at(-1);
      let mem = '';
      if (s.core && first && last && last.time > first.time) {
        const g = (last.kb - first.kb) / 1024;
        const perHour = g / ((last.time - first.time) / 3_600_000);
        coreGrowth.push(perHour);
        mem = `${(first.kb / 1024).toFixed(1).padStart(6)} → ${(last.kb / 1024).toFixed(1).padEnd(6)} ${g.toFixed(1).padStart(9)} ${perHour.toFixed(1).padStart(9)}`;
      } else {
        const all = s.lives.flatMap((l) => l.rss.map((x) => x.kb));
        mem = all.length ? `max ${(Math.max(...all) / 1024).toFixed(1)} (per life)` : '';
      }
      console.log(`  ${s.name.padEnd(8)} ${(s.core ? 'core' : 'churn').padEnd(6)} ${String(s.lives.length).padStart(5)} ${String(n('stable')).padStart(7)} ${String(n('unstable')).padStart(8)} ${String(n('joined')).padStart(6)} ${String(n('left')).padStart(5)} ${String(n('disconnected')).padStart(5)}  ${mem}`);
    }
    if (coreGrowth.length) console.log(`  core peers' RSS growth: median ${median(coreGrowth).toFixed(1)} MB/hour (max ${Math.max(...coreGrowth).toFixed(1)})`);
    if (counters.available) {
      const udpB = c1.udp.bytes - c0.udp.bytes, udpP = c1.udp.packets - c0.udp.packets, tcpB = c1.tcp.bytes - c0.tcp.bytes;
      // Mean number of running peers: from the lives' intervals within [t0, t1].
      let peerSeconds = 0;
      for (const s of slots) for (const l of s.lives) peerSeconds += Math.max(0, Math.min(l.stop ?? t1, t1) - Math.max(l.start, t0)) / 1000;
      const meanPeers = peerSeconds / secs;
      const nominal = 1000 / profile.interval;
      const hbPerPeer = udpP / peerSeconds;
      console.log(`  bandwidth (iptables OUTPUT): group UDP ${(udpB / secs / 1024).toFixed(2)} KiB/s (${(udpP / secs).toFixed(1)} packets/s, ${(udpB / Math.max(1, udpP)).toFixed(0)} bytes each), TCP peer links ${(tcpB / secs / 1024).toFixed(2)} KiB/s; mean ${meanPeers.toFixed(2)} peers running`);
      console.log(`  per running peer: ${((udpB + tcpB) / peerSeconds).toFixed(0)} bytes/s sent (UDP ${(udpB / peerSeconds).toFixed(0)}, TCP ${(tcpB / peerSeconds).toFixed(0)}); heartbeats ${hbPerPeer.toFixed(2)}/s against the profile's nominal 1000/I = ${nominal.toFixed(2)}/s, ratio ${(hbPerPeer / nominal).toFixed(3)}`);
    }
    const by = (k: Removal['kind']) => rs.filter((r) => r.kind === k);
    console.log(`  removals: ${rs.length} (disconnected ${rs.filter((r) => r.event === 'disconnected').length}, left ${rs.filter((r) => r.event === 'left').length}); expected ${by('expected').length}, false ${by('false').length}${o.selfCheck ? `, of the frozen peer ${by('freeze').length}` : ''}`);
    const reasons = new Map<string, number>();
    for (const r of rs.filter((x) => x.event === 'disconnected')) reasons.set(`${r.kind}: ${r.reason ?? '?'}`, (reasons.get(`${r.kind}: ${r.reason ?? '?'}`) ?? 0) + 1);
    console.log(`  disconnected by reason: ${[...reasons].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    if (forming.length) {
      console.log(`  while the group formed (before the soak's start, not counted): ${forming.length} removals, ${forming.filter((r) => r.kind === 'false').length} of running peers (${[...new Set(forming.map((r) => r.reason).filter(Boolean))].join(', ')})`);
    }
    for (const c of crashes) console.log(`  ${c}`);
    const falses = by('false');
    console.log(`false suspicions: ${falses.length}${falses.length ? ` (${new Set(falses.map((f) => `${f.peer}>${f.subject}`)).size} observer→subject pairs)` : ''}`);
    // Each one, grouped into incidents (false removals less than 2 s apart), with the load
    // average then and the events around it that tell of a stall (clock steps, refusals).
    const sorted = [...falses].sort((a, b) => a.time - b.time);
    const incidents: Removal[][] = [];
    for (const f of sorted) {
      const last = incidents.at(-1);
      if (last && f.time - last.at(-1)!.time <= 2000) last.push(f);
      else incidents.push([f]);
    }
    const stamp = (t: number) => new Date(t).toISOString().slice(11, 23);
    let listed = 0;
    for (const [n, inc] of incidents.entries()) {
      if (listed >= 200) {
        console.log(`  … ${incidents.length - n} more incidents`);
        break;
      }
      const from = inc[0]!.time, to = inc.at(-1)!.time;
      const load = loadSamples.filter((x) => x.time <= to + 5000).at(-1)?.load ?? NaN;
      console.log(`  incident ${n + 1} at ${new Date(from).toISOString()} (${inc.length} false removals in ${to - from} ms; load average ${load.toFixed(2)}):`);
      for (const f of inc) {
        if (listed++ >= 200) break;
        console.log(`    ${stamp(f.time)} ${f.peer} ${f.event} ${f.subject}${f.reason ? ` (${f.reason})` : ''}`);
      }
      // The recent starts and stops of the peers involved: a restart race shows here.
      const involved = [...new Set(inc.flatMap((f) => [f.peer, f.subject]))].sort();
      const lifeText = involved.map((name) => {
        const ls = byName.get(name)?.lives ?? [];
        const l = ls.filter((x) => x.start <= to).at(-1);
        const prev = ls[ls.indexOf(l!) - 1];
        return l ? `${name} up since ${stamp(l.start)}${prev?.stop !== undefined ? ` (stopped ${stamp(prev.stop)})` : ''}` : name;
      });
      console.log(`      lives: ${lifeText.join('; ')}`);
      const around = events.filter((x) => x.time >= from - 2000 && x.time <= to + 1000 && x.event !== 'leader' && x.event !== 'left' && x.event !== 'disconnected' && (x.event !== 'joined' || x.time >= from)).slice(0, 12);
      for (const x of around) console.log(`      around: ${stamp(x.time)} ${x.peer} ${x.event} ${x.subject}${x.reason ? ` (${x.reason})` : ''}`);
    }
    if (falses.length || crashes.length) exitCode = 1;
    if (o.selfCheck) {
      const f = freezes[0];
      const caught = by('freeze').filter((r) => f && r.subject === f.name && r.peer !== f.name);
      const ok = caught.length > 0;
      console.log(`self-check: ${ok ? 'passed' : 'FAILED'}: ${caught.length} removals of the frozen peer ${f?.name ?? '?'} by others (${new Set(caught.map((r) => r.peer)).size} observers), which the counter would count as false suspicions but for the freeze`);
      for (const r of caught.slice(0, 5)) console.log(`  ${new Date(r.time).toISOString()} ${r.peer} ${r.event} ${r.subject}${r.reason ? ` (${r.reason})` : ''}`);
      if (!ok) exitCode = 1;
    }
  } finally {
    // Stop the peers gracefully (bounded), then everything else.
    await Promise.race([Promise.all(slots.filter((s) => s.running).map((s) => stopPeer(s))), sleep(20_000)]);
    for (const b of busy) b.stdin?.end();
    cleanupSync();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', cleanupSync);
    process.exitCode = exitCode;
  }
}
