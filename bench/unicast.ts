/**
 * `npm run bench -- unicast [--peers N] [--rounds R] [--changes C]`: frogpond over unicast (`--join`)
 * against serf, on the same network namespaces, in the same run (docs/design/group.md §7).
 *
 * Setup: N (5) hosts in network namespaces on one bridge (test/support/netns.ts) that floods no
 * multicast. On each host, one frogpond member built as `frog peer --join` builds it (profile
 * `lan`, joined by unicast through host 1; bench/unicast-node.ts) and one serf agent (Debian's
 * `serf`, default LAN settings) bound to the host's address and joined explicitly to host 1's
 * agent (never -discover), with a `serf monitor` on it. Every time is taken in this process, when
 * a line of a member's or a monitor's output arrives (performance.now): the same path for both.
 *
 * (a) Detection, R (5) rounds: in one instant, one host's frogpond member and serf agent are killed
 * (SIGKILL) and another host's are stopped (SIGSTOP); for each victim, the time until every
 * survivor has reported it gone (frogpond: `left`; serf: `EventMemberFailed`). Then the stopped
 * ones continue, the killed ones restart, and both groups are whole again before the next round.
 * (b) Propagation, C (50) changes, frogpond and serf alternating: host 1 sets a new state-space
 * value (frogpond; its stdin `set i`) or dispatches a user event (serf, through one held RPC
 * connection; coalesce off), timed until every member's listener or every agent's monitor has it.
 * Also the CPU time (utime + stime from /proc) of all N members and of all N agents over a quiet
 * 10 s window. Prints medians, p99 and the ratios frogpond/serf, with the load average.
 *
 * Namespaces and processes are always removed, on exit, error and SIGINT.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { boundsOf, getProfile } from '../runtime/group/profiles.js';
import { NetnsHarness, netnsAvailability } from '../test/support/netns.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PORT = 45190;
const SERF_PORT = 7946;
const SERF_RPC = '127.0.0.1:7373'; // each namespace has its own loopback
const STARTUP_LIMIT = 60_000;
const DETECT_LIMIT = 30_000;
const CHANGE_LIMIT = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function option(args: string[], name: string, fallback: number, min: number, max: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer from ${min} to ${max}; got \`${args[i + 1]}\``);
  return v;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const fmt = (xs: number[]) => (xs.length ? `median ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms (${xs.length})` : 'no samples');
const ratio = (a: number[], b: number[]) => (a.length && b.length ? `median ×${(percentile(a, 50) / percentile(b, 50)).toFixed(3)}, p99 ×${(percentile(a, 99) / percentile(b, 99)).toFixed(3)}` : '-');

async function waitFor(cond: () => boolean, limitMs: number, stepMs = 5): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}

/** Calls `each(line)` for every complete line of a stream. */
function lines(stream: NodeJS.ReadableStream | null, each: (line: string) => void): void {
  let buf = '';
  stream?.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      each(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
}

/** CPU seconds (user + system) of a process so far, from /proc; 0 when it is gone. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // fields 14 and 15, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** What one system (frogpond or serf) needs from the bench: its processes per host and what they reported. */
interface System {
  name: string;
  /** Host index → the process (member or agent). */
  procs: Map<number, ChildProcess>;
  /** `gone[host][victim]`: when host reported victim gone (performance.now). */
  gone: Map<number, Map<string, number>>;
  /** `got[change]`: the hosts that have it. */
  got: Map<number, Set<number>>;
  /** When the last host received `change`. */
  lastAt: Map<number, number>;
  start(host: number): void;
  whole(): boolean;
}

function record(s: System, host: number, change: number, n: number): void {
  const set = s.got.get(change) ?? new Set<number>();
  set.add(host);
  s.got.set(change, set);
  if (set.size === n) s.lastAt.set(change, performance.now());
}

function frogSystem(net: NetnsHarness, n: number, keyHex: string): System & { views: Map<number, string>; send(line: string): void } {
  const names = Array.from({ length: n }, (_, i) => `f${i + 1}`);
  const all = [...names].sort().join(',');
  const s = {
    name: 'frogpond',
    procs: new Map<number, ChildProcess>(),
    gone: new Map<number, Map<string, number>>(),
    got: new Map<number, Set<number>>(),
    lastAt: new Map<number, number>(),
    views: new Map<number, string>(),
    start(host: number) {
      const h = net.host(host);
      const args = ['--import', 'tsx', join(root, 'bench/unicast-node.ts'), 'frog', String(host), names[host - 1]!, h.address, String(PORT), `${net.host(1).address}:${PORT}`, host === 1 ? 'provide' : ''];
      const child = net.spawn(host, process.execPath, args, { cwd: root, env: { ...process.env, FROG_BENCH_KEY: keyHex }, stdio: ['pipe', 'pipe', 'pipe'] });
      s.views.delete(host);
      lines(child.stdout, (line) => {
        const at = performance.now();
        let e: { e?: string; s?: string; m?: string[]; v?: number | null };
        try {
          e = JSON.parse(line);
        } catch {
          return;
        }
        if (e.e === 'left' && e.s) {
          const m = s.gone.get(host) ?? new Map<string, number>();
          if (!m.has(e.s)) m.set(e.s, at);
          s.gone.set(host, m);
        } else if (e.e === 'stable') s.views.set(host, [...(e.m ?? [])].sort().join(','));
        else if (e.e === 'unstable') s.views.delete(host);
        else if (typeof e.v === 'number') record(s, host, e.v, n);
      });
      child.stderr?.on('data', (c: Buffer) => process.stderr.write(`  f${host}: ${c}`));
      s.procs.set(host, child);
    },
    whole: () => Array.from({ length: n }, (_, i) => i + 1).every((i) => s.views.get(i) === all),
    send(line: string) {
      s.procs.get(1)!.stdin!.write(`${line}\n`);
    },
  };
  return s;
}

function serfSystem(net: NetnsHarness, n: number, run: string): System & { monitors: Map<number, ChildProcess>; rpc?: ChildProcess; closing: boolean; send(line: string): void } {
  const s = {
    name: 'serf',
    procs: new Map<number, ChildProcess>(),
    monitors: new Map<number, ChildProcess>(),
    gone: new Map<number, Map<string, number>>(),
    got: new Map<number, Set<number>>(),
    lastAt: new Map<number, number>(),
    rpc: undefined as ChildProcess | undefined,
    closing: false,
    start(host: number) {
      const h = net.host(host);
      const args = ['agent', `-node=s${host}`, `-bind=${h.address}:${SERF_PORT}`, `-rpc-addr=${SERF_RPC}`, '-log-level=info'];
      if (host > 1) args.push(`-join=${net.host(1).address}:${SERF_PORT}`);
      const child = net.spawn(host, 'serf', args);
      child.stdout?.resume();
      child.stderr?.resume();
      s.procs.set(host, child);
      // Its monitor, once the agent's RPC port answers; again if it ends while the agent runs (bounded).
      let attempts = 0;
      const attach = async (): Promise<void> => {
        while (attempts++ < 200 && child.exitCode === null && child.signalCode === null && !s.closing) {
          const mon = net.spawn(host, 'serf', ['monitor', `-rpc-addr=${SERF_RPC}`, '-log-level=info']);
          mon.stderr?.resume();
          lines(mon.stdout, (line) => {
            const at = performance.now();
            let m = /EventMemberFailed: (\S+)/.exec(line);
            if (m) {
              const g = s.gone.get(host) ?? new Map<string, number>();
              if (!g.has(m[1]!)) g.set(m[1]!, at);
              s.gone.set(host, g);
              return;
            }
            m = new RegExp(`user-event: fp-${run}-(\\d+)`).exec(line);
            if (m) record(s, host, Number(m[1]), n);
          });
          // Attached once it writes a line (the agent replays its recent log to a new monitor).
          const ok = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), 5000);
            mon.stdout?.once('data', () => {
              clearTimeout(timer);
              resolve(true);
            });
            mon.once('exit', () => {
              clearTimeout(timer);
              resolve(false);
            });
          });
          if (ok && mon.exitCode === null) {
            s.monitors.set(host, mon);
            mon.once('exit', () => {
              if (s.monitors.get(host) !== mon) return;
              s.monitors.delete(host);
              void attach();
            });
            return;
          }
          mon.kill('SIGKILL');
          await sleep(250);
        }
      };
      void attach();
    },
    /** Every monitor attached (`serfWhole` asks the agents themselves). */
    whole: () => s.monitors.size === n,
    send(line: string) {
      s.rpc!.stdin!.write(`${line}\n`);
    },
  };
  return s;
}

/** Asks every agent for its members (serf members, inside its namespace): all alive everywhere. */
function serfWhole(net: NetnsHarness, n: number): boolean {
  for (let i = 1; i <= n; i++) {
    const r = spawnSync('ip', ['netns', 'exec', net.host(i).namespace, 'serf', 'members', `-rpc-addr=${SERF_RPC}`, '-format=json'], { encoding: 'utf8', timeout: 5000 });
    try {
      if ((JSON.parse(r.stdout) as { members: { status: string }[] }).members.filter((m) => m.status === 'alive').length !== n) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function waitSerfWhole(net: NetnsHarness, n: number, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (serfWhole(net, n)) return true;
    await sleep(250);
  }
  return false;
}

export async function main(args: string[]): Promise<void> {
  const n = option(args, '--peers', 5, 3, 50);
  const rounds = option(args, '--rounds', 5, 1, 50);
  const changes = option(args, '--changes', 50, 1, 1000);
  const ns = netnsAvailability();
  if (!ns.ok) return void console.log(`unicast: skipped: ${ns.reason}`);
  const version = spawnSync('serf', ['version'], { encoding: 'utf8', timeout: 5000 });
  if (version.error) return void console.log('unicast: skipped: serf is not installed (Debian package `serf`)');
  const b = boundsOf(getProfile('lan'));
  console.log(`unicast: ${n} hosts in network namespaces, multicast blocked; frogpond members (--join, profile lan: detection bound T + I = ${b.detection} ms) and serf ${version.stdout.split('\n')[0]} agents (default LAN settings, -join) on the same hosts; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const net = NetnsHarness.create(n);
  const onSignal = () => {
    net.destroySync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let serfRef: { closing: boolean } | undefined;
  try {
    net.blockMulticast();
    const run = randomBytes(3).toString('hex');
    const frog = frogSystem(net, n, randomBytes(32).toString('hex'));
    const serf = serfSystem(net, n, run);
    serfRef = serf;
    for (let i = 1; i <= n; i++) {
      frog.start(i);
      serf.start(i);
    }
    const t0 = Date.now();
    if (!(await waitFor(() => frog.whole(), STARTUP_LIMIT)) || !(await waitSerfWhole(net, n, STARTUP_LIMIT)) || !(await waitFor(() => serf.whole(), STARTUP_LIMIT))) {
      console.log(`  the groups did not form within ${STARTUP_LIMIT} ms (frogpond whole: ${frog.whole()}; serf: all alive everywhere ${serfWhole(net, n)}, monitors on hosts ${[...serf.monitors.keys()]}); stopping`);
      return;
    }
    console.log(`  both groups whole after ${Date.now() - t0} ms (process start-ups included)`);

    // --- (b) propagation, alternating -----------------------------------------------------------
    serf.rpc = net.spawn(1, process.execPath, ['--import', 'tsx', join(root, 'bench/unicast-node.ts'), 'serf-rpc', SERF_RPC], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let rpcReady = false;
    lines(serf.rpc.stdout, (line) => {
      if (line.includes('"ready"')) rpcReady = true;
      else if (line.includes('"error"')) console.log(`  serf: ${line}`);
    });
    // Warm-up: frogpond's listeners have the initial value (-1); serf's monitors all see one event.
    const frogReady = await waitFor(() => (frog.got.get(-1)?.size ?? 0) === n, b.discovery + 10_000);
    const serfReady = (await waitFor(() => rpcReady, 20_000)) && (await waitFor(() => {
      if ((serf.got.get(999999)?.size ?? 0) < n) serf.send(`event fp-${run}-999999`);
      return (serf.got.get(999999)?.size ?? 0) === n;
    }, 20_000, 1000));
    if (!frogReady || !serfReady) console.log(`  warm-up incomplete (frogpond listeners: ${[...(frog.got.get(-1) ?? [])]}, serf monitors: ${[...(serf.got.get(999999) ?? [])]} of ${n})`);
    const prop = { frog: [] as number[], serf: [] as number[] };
    for (let i = 0; i < changes; i++) {
      for (const [sys, out, line] of [[frog, prop.frog, `set ${i}`], [serf, prop.serf, `event fp-${run}-${i}`]] as const) {
        const at = performance.now();
        sys.send(line);
        if (await waitFor(() => sys.lastAt.has(i), CHANGE_LIMIT, 1)) out.push(sys.lastAt.get(i)! - at);
        else console.log(`  ${sys.name}: change ${i} did not reach every host within ${CHANGE_LIMIT} ms`);
        await sleep(20);
      }
    }

    // --- CPU over a quiet window ----------------------------------------------------------------
    const cpu = (s: System) => [...s.procs.values()].reduce((sum, p) => sum + cpuSeconds(p.pid), 0);
    const c0 = { frog: cpu(frog), serf: cpu(serf) };
    const w0 = performance.now();
    await sleep(10_000);
    const window = (performance.now() - w0) / 1000;
    const idle = { frog: (cpu(frog) - c0.frog) / window, serf: (cpu(serf) - c0.serf) / window };

    // --- (a) detection rounds -------------------------------------------------------------------
    const detect = { frogKill: [] as number[], frogStop: [] as number[], serfKill: [] as number[], serfStop: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const kill = 2 + ((2 * r) % (n - 1));
      const stop = 2 + ((2 * r + 1) % (n - 1));
      const survivors = Array.from({ length: n }, (_, i) => i + 1).filter((i) => i !== kill && i !== stop);
      for (const s of [frog, serf]) s.gone.clear();
      const order = r % 2 === 0 ? [frog, serf] : [serf, frog];
      const at = performance.now();
      for (const s of order) {
        s.procs.get(kill)!.kill('SIGKILL');
        s.procs.get(stop)!.kill('SIGSTOP');
      }
      const reported = (s: System, victim: string) => survivors.every((h) => s.gone.get(h)?.has(victim));
      const names = { frog: [`f${kill}`, `f${stop}`], serf: [`s${kill}`, `s${stop}`] };
      await waitFor(() => [...names.frog.map((v) => reported(frog, v)), ...names.serf.map((v) => reported(serf, v))].every(Boolean), DETECT_LIMIT, 2);
      const when = (s: System, victim: string) => (reported(s, victim) ? Math.max(...survivors.map((h) => s.gone.get(h)!.get(victim)!)) - at : undefined);
      const got = [when(frog, names.frog[0]!), when(frog, names.frog[1]!), when(serf, names.serf[0]!), when(serf, names.serf[1]!)];
      const lists = [detect.frogKill, detect.frogStop, detect.serfKill, detect.serfStop];
      got.forEach((ms, i) => (ms === undefined ? console.log(`  round ${r + 1}: a victim was not reported by every survivor within ${DETECT_LIMIT} ms`) : lists[i]!.push(ms)));
      console.log(`  round ${r + 1}: killed host ${kill}, stopped host ${stop}: frogpond ${got[0]?.toFixed(0)} / ${got[1]?.toFixed(0)} ms, serf ${got[2]?.toFixed(0)} / ${got[3]?.toFixed(0)} ms`);
      // Back to whole groups: continue the stopped, restart the killed.
      for (const s of [frog, serf]) s.procs.get(stop)!.kill('SIGCONT');
      await waitFor(() => [frog, serf].every((s) => s.procs.get(kill)!.exitCode !== null || s.procs.get(kill)!.signalCode !== null), 5000);
      const oldMonitor = serf.monitors.get(kill);
      serf.monitors.delete(kill);
      oldMonitor?.kill('SIGKILL');
      frog.start(kill);
      serf.start(kill);
      if (r < rounds - 1) {
        const whole = (await waitFor(() => frog.whole(), STARTUP_LIMIT)) && (await waitSerfWhole(net, n, STARTUP_LIMIT)) && (await waitFor(() => serf.whole(), STARTUP_LIMIT));
        if (!whole) {
          console.log(`  the groups were not whole again within ${STARTUP_LIMIT} ms; no more rounds`);
          break;
        }
        await sleep(2000);
      }
    }

    console.log(`(a) detection, time until every survivor reports the victim (${rounds} rounds):`);
    console.log(`  kill -9: frogpond ${fmt(detect.frogKill)}; serf ${fmt(detect.serfKill)}; frogpond/serf ${ratio(detect.frogKill, detect.serfKill)}`);
    console.log(`  SIGSTOP: frogpond ${fmt(detect.frogStop)}; serf ${fmt(detect.serfStop)}; frogpond/serf ${ratio(detect.frogStop, detect.serfStop)}`);
    console.log(`(b) propagation, time until every host has the change (${changes} changes each):`);
    console.log(`  frogpond state-space value ${fmt(prop.frog)}; serf user event ${fmt(prop.serf)}; frogpond/serf ${ratio(prop.frog, prop.serf)}`);
    console.log(`(c) CPU of all ${n} members over a quiet ${window.toFixed(1)} s: frogpond ${(idle.frog * 100).toFixed(2)}% of a core, serf ${(idle.serf * 100).toFixed(2)}%; frogpond/serf ×${(idle.frog / idle.serf).toFixed(2)}`);
    console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    if (serfRef) serfRef.closing = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await net.destroy();
  }
}
