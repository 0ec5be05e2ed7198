/**
 * The dependability demonstrator's harness (examples/render-farm/): starts real `frog peer`
 * processes on loopback multicast (their own group port and data directories), deploys a
 * FarmPeer on each and S rendering services, injects failures on a seeded schedule, and checks
 * the run from the peers' event logs (`--events json`) and the rendered files:
 *
 * - safety: a node is never allocated to two services at once (its own status events, and the
 *   workers of two services never live on it at once); never two live copies of a manager or of
 *   a worker;
 * - liveness: every frame of every service accepted exactly once, with the sha256 the checker
 *   computes by rendering the frame itself; every injected failure detected and repaired.
 *
 * Used by test/demo/render-farm.test.ts (short form) and bench/render-farm.ts (the table).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../compiler/index.js';
import { serialisePlan, planId } from '../../core/plan-format.js';
import type { DeploymentPlan } from '../../core/plan-types.js';
import { deployCommand } from '../../cli/commands/deploy/action.js';
import { keyGenerateCommand } from '../../cli/commands/key/action.js';
import { memoryIo } from '../../cli/io.js';
import { seededRandom } from '../../runtime/group/memory-network.js';
import { renderFrame, sha256, type Job } from '../../examples/render-farm/render.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const example = join(root, 'examples/render-farm');

export const FAILURE_KINDS = ['worker-crash', 'worker-hang', 'node-kill', 'peer-stop', 'peer-restart', 'arbitrator-kill', 'manager-kill'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface FarmOptions {
  peers: number;
  services: number;
  /** Injections of each kind (0: a failure-free run). */
  perKind: number;
  seed: number;
  /** Frames per service. */
  frames: number;
  /** The least time a frame takes on a worker (ms). */
  frameMs: number;
  width?: number;
  height?: number;
  iterations?: number;
  maxNodes?: number;
  /** Mean gap between injections (ms). */
  gapMs?: number;
  /** How long the whole run may take (ms) before it is cut short and reported as such. */
  limitMs: number;
  /** Multicast group port (distinct per run; never the tests' 451xx). */
  groupPort?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Keep the temporary folder (for a look at the logs). */
  keep?: boolean;
  /** Extra worker crashes aimed at one node (the flaky one), so that it is excluded. */
  flakyCrashes?: number;
  /** Called with the farm as soon as it exists (a test stops it in its teardown). */
  onFarm?: (farm: Farm) => void;
}

export interface FarmEvent {
  time: number;
  peer: string;
  event: string;
  subject: string;
  what?: string;
  [k: string]: unknown;
}

export interface Injection {
  kind: FailureKind;
  target: string;
  service?: string;
  time: number;
  /** Services whose worker ran on the target, and whether the target ran a manager / the active arbitrator. */
  affected: string[];
  manager?: string;
  arbitrator?: boolean;
  detectedAt?: number;
  repairedAt?: number;
  detectedBy?: string;
}

export interface FarmReport {
  options: FarmOptions;
  dir: string;
  startedAt: number;
  completedAt?: number;
  /** From the first service deployed to the last service complete. */
  jobMs?: number;
  injections: Injection[];
  excluded: { node: string; time: number; kind?: FailureKind }[];
  framesRendered: number;
  framesAccepted: number;
  framesReRendered: number;
  safety: string[];
  liveness: string[];
  events: number;
  /** Peers reported gone that no injection explains (a slow peer on a loaded machine), each once. */
  spontaneous: { subject: string; time: number }[];
  cutShort: boolean;
}

interface PeerProc {
  name: string;
  index: number;
  child?: ChildProcess;
  incarnation: number;
  control?: string;
  stopped: boolean;
  alive: boolean;
  /** End times of past incarnations, by incarnation number. */
  ended: Map<number, number>;
  exit?: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Farm {
  readonly dir: string;
  readonly events: (FarmEvent & { inc: number })[] = [];
  readonly peers: PeerProc[] = [];
  private keyFile = '';
  private readonly groupPort: number;
  private readonly log: (line: string) => void;
  readonly inject: string;
  readonly output: string;

  constructor(readonly o: FarmOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'frog-farm-'));
    this.inject = join(this.dir, 'inject');
    this.output = join(this.dir, 'out');
    mkdirSync(this.inject);
    mkdirSync(join(this.dir, 'logs'));
    this.groupPort = o.groupPort ?? 46200 + (process.pid % 200);
    this.log = o.log ?? (() => undefined);
    // Never leave a peer behind, whatever ends this process.
    process.once('exit', () => {
      for (const p of this.peers) if (p.child && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    });
    for (let i = 1; i <= o.peers; i++) this.peers.push({ name: `p${i}`, index: i, incarnation: 0, stopped: false, alive: false, ended: new Map() });
  }

  // --- processes ---------------------------------------------------------------------------

  async key(): Promise<void> {
    this.keyFile = join(this.dir, 'group.key');
    await keyGenerateCommand({ file: this.keyFile }, memoryIo(this.dir));
  }

  start(p: PeerProc, fresh = false): void {
    const data = join(this.dir, `data-${p.name}`);
    if (fresh) rmSync(data, { recursive: true, force: true });
    p.incarnation++;
    const inc = p.incarnation;
    const args = [join(root, 'bin/frog.js'), 'peer', '--name', p.name, '--id', String(p.index), '--group', `239.255.42.42:${this.groupPort}`, '--key-file', this.keyFile, '--profile', 'lan', '--events', 'json', '--data', data, '--listen', '127.0.0.1:0', '--placement-timeout', '20'];
    const child = spawn(process.execPath, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    p.child = child;
    p.alive = true;
    p.stopped = false;
    p.control = undefined;
    const logFile = join(this.dir, 'logs', `${p.name}.log`);
    appendFileSync(logFile, `--- incarnation ${inc} at ${Date.now()}\n`);
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        appendFileSync(logFile, line + '\n');
        let e: FarmEvent;
        try {
          e = JSON.parse(line) as FarmEvent;
        } catch {
          continue;
        }
        this.events.push({ ...e, inc });
        if (e.event === 'listening' && typeof e.control === 'string') p.control = e.control;
      }
    });
    child.stderr!.on('data', (c: Buffer) => appendFileSync(logFile, `[stderr] ${c.toString()}`));
    p.exit = new Promise((resolve) =>
      child.once('exit', () => {
        if (p.child === child) {
          p.alive = false;
          if (!p.ended.has(inc)) p.ended.set(inc, Date.now());
        }
        resolve();
      }),
    );
  }

  async kill(p: PeerProc): Promise<void> {
    const child = p.child;
    if (!child || !p.alive) return;
    p.ended.set(p.incarnation, Date.now());
    child.kill('SIGKILL');
    await Promise.race([p.exit, sleep(5000)]);
    p.alive = false;
  }

  async stopAll(): Promise<void> {
    for (const p of this.peers) {
      if (p.stopped) p.child?.kill('SIGCONT');
      if (p.alive) {
        p.ended.set(p.incarnation, Date.now());
        p.child?.kill('SIGTERM');
      }
    }
    await Promise.race([Promise.all(this.peers.map((p) => p.exit)), sleep(8000)]);
    for (const p of this.peers) if (p.child && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.race([Promise.all(this.peers.map((p) => p.exit)), sleep(3000)]);
  }

  cleanup(): void {
    if (!this.o.keep) rmSync(this.dir, { recursive: true, force: true });
  }

  async waitFor(cond: () => boolean, ms: number, step = 100): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (cond()) return true;
      await sleep(step);
    }
    return cond();
  }

  /** Whether every live peer's last view is stable with every live peer in it. */
  stable(): boolean {
    const live = this.peers.filter((p) => p.alive && !p.stopped).map((p) => p.name);
    return live.every((name) => {
      const last = this.events.filter((e) => e.peer === name && (e.event === 'stable' || e.event === 'unstable')).at(-1) as { event: string; members?: string[] } | undefined;
      return last?.event === 'stable' && live.every((m) => last.members?.includes(m));
    });
  }

  farmEvents(what: string): (FarmEvent & { inc: number })[] {
    return this.events.filter((e) => e.event === 'farm' && e.what === what);
  }

  // --- deployment ----------------------------------------------------------------------------

  async deploy(p: PeerProc, file: string, name: string): Promise<void> {
    const io = memoryIo(this.dir);
    const code = await deployCommand({ file, name, peer: p.control!, keyFile: this.keyFile, wait: 60 }, io);
    if (code !== 0) throw new Error(`deploy ${name} on ${p.name}: exit ${code}: ${io.err.join('')}`);
  }

  job(k: number): Job {
    return { service: `s${k}`, frames: this.o.frames, width: this.o.width ?? 48, height: this.o.height ?? 48, iterations: this.o.iterations ?? 1500 };
  }

  servicePlan(k: number): string {
    const compiled = compileFile(join(example, 'service.sf'));
    if (!compiled.plan) throw new Error(`service.sf: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
    const plan: DeploymentPlan = structuredClone(compiled.plan);
    const job = this.job(k);
    const set: Record<string, string | number> = {
      service: job.service,
      frames: job.frames,
      width: job.width,
      height: job.height,
      iterations: job.iterations,
      bid: 10 + ((k * 7) % 5),
      maxNodes: this.o.maxNodes ?? 3,
      frameMs: this.o.frameMs,
      output: this.output,
      inject: this.inject,
    };
    plan.root.attributes = plan.root.attributes.map(([n, v]) => [n, n in set ? set[n]! : v]);
    plan.name = job.service;
    plan.id = '';
    plan.id = planId(plan);
    const file = join(this.dir, `${job.service}.plan.json`);
    writeFileSync(file, Buffer.from(serialisePlan(plan, 'json')));
    return file;
  }

  /** Starts the peers, waits for one stable view, deploys a FarmPeer on each and the services. */
  async setUp(): Promise<void> {
    await this.key();
    for (const p of this.peers) this.start(p);
    if (!(await this.waitFor(() => this.peers.every((p) => p.control) && this.stable(), 60_000))) throw new Error('the peers did not form one stable view within 60 s');
    this.log(`${this.peers.length} peers in one stable view`);
    for (const p of this.peers) await this.deploy(p, join(example, 'peer.sf'), `farm-${p.name}`);
    this.log('a FarmPeer on every peer');
    for (let k = 1; k <= this.o.services; k++) await this.deploy(this.peers[k - 1]!, this.servicePlan(k), `s${k}`);
    this.log(`${this.o.services} services deployed`);
  }

  // --- what runs where (from the events) ----------------------------------------------------

  /** The live workers (service, node) as the managers report them. */
  liveWorkers(): { service: string; node: string }[] {
    const last = new Map<string, string>();
    for (const e of this.events) {
      if (e.event !== 'farm' || !['worker-started', 'worker-lost', 'worker-ended'].includes(e.what!)) continue;
      last.set(`${e.service}\u0000${e.node}`, e.what!);
    }
    return [...last].filter(([, w]) => w === 'worker-started').map(([k]) => ({ service: k.split('\u0000')[0]!, node: k.split('\u0000')[1]! }));
  }

  activeArbitrator(): string | undefined {
    const byPeer = new Map<string, string>();
    for (const e of this.events) if (e.event === 'farm' && (e.what === 'arbitrator-active' || e.what === 'arbitrator-standby')) byPeer.set(e.peer, e.what);
    const active = [...byPeer].filter(([p, w]) => w === 'arbitrator-active' && this.peers.find((x) => x.name === p)?.alive).map(([p]) => p);
    return active.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1);
  }

  completed(): string[] {
    return [...new Set(this.farmEvents('service-complete').map((e) => String(e.service)))];
  }

  excludedNodes(): string[] {
    return [...new Set(this.farmEvents('node-excluded').map((e) => String(e.node)))];
  }
}

// --- the run -----------------------------------------------------------------------------------

export async function runFarm(o: FarmOptions): Promise<FarmReport> {
  const farm = new Farm(o);
  o.onFarm?.(farm);
  const log = o.log ?? (() => undefined);
  const random = seededRandom(o.seed);
  const injections: Injection[] = [];
  const startedAt = Date.now();
  let cutShort = false;
  try {
    await farm.setUp();
    const deployedAt = Date.now();
    const managers = new Map<string, string>(); // service → peer
    for (let k = 1; k <= o.services; k++) managers.set(`s${k}`, `p${k}`);
    // The schedule: every kind perKind times, in a seeded order.
    const schedule: (FailureKind | 'flaky-crash')[] = [];
    for (const k of FAILURE_KINDS) for (let i = 0; i < o.perKind; i++) schedule.push(k);
    for (let i = schedule.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [schedule[i], schedule[j]] = [schedule[j]!, schedule[i]!];
    }
    // The flaky node's crashes come early and close together (within the nodes' fault window).
    for (let i = 0; i < (o.flakyCrashes ?? 0); i++) schedule.splice(Math.min(schedule.length, 1 + 2 * i), 0, 'flaky-crash');
    const flaky = `p${o.peers - 1}`; // worker failures favour one node, so that it is excluded
    const gap = o.gapMs ?? 6000;
    const deadline = startedAt + o.limitMs;
    // Let the farm allocate and start rendering.
    await farm.waitFor(() => farm.liveWorkers().length >= Math.min(o.services * 2, o.peers - 1), 40_000);
    let peerBusyUntil = 0; // one peer-level failure at a time
    for (const entry of schedule) {
      const kind: FailureKind = entry === 'flaky-crash' ? 'worker-crash' : entry;
      if (farm.completed().length === o.services || Date.now() > deadline - 30_000) break;
      await sleep(gap * (0.6 + 0.8 * random()));
      const peerLevel = kind !== 'worker-crash' && kind !== 'worker-hang';
      if (peerLevel) {
        // The previous peer failure repaired (or given up on) first.
        await farm.waitFor(() => Date.now() >= peerBusyUntil && farm.peers.every((p) => p.alive && !p.stopped) && farm.stable(), 30_000);
      }
      const workers = farm.liveWorkers().filter((w) => farm.peers.find((p) => p.name === w.node)?.alive && !farm.excludedNodes().includes(w.node));
      const arbitrator = farm.activeArbitrator();
      const managerPeers = new Set(managers.values());
      const affectedOf = (peer: string) => workers.filter((w) => w.node === peer).map((w) => w.service);
      const inj = (target: string, extra: Partial<Injection> = {}): Injection => ({
        kind,
        target,
        time: Date.now(),
        affected: affectedOf(target),
        ...(target === arbitrator ? { arbitrator: true } : {}),
        ...([...managers].find(([, p]) => p === target) ? { manager: [...managers].find(([, p]) => p === target)![0] } : {}),
        ...extra,
      });
      const plain = workers.filter((w) => !managerPeers.has(w.node) && w.node !== arbitrator);
      const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(random() * xs.length)];
      if (kind === 'worker-crash' || kind === 'worker-hang') {
        const onFlaky = workers.filter((w) => w.node === flaky);
        if (entry === 'flaky-crash' && !onFlaky.length) await farm.waitFor(() => farm.liveWorkers().some((w) => w.node === flaky), 15_000);
        const w = entry === 'flaky-crash' ? farm.liveWorkers().find((x) => x.node === flaky) : onFlaky.length && random() < 0.5 ? onFlaky[0] : pick(workers);
        if (!w) continue;
        const i: Injection = { kind, target: w.node, service: w.service, affected: [w.service], time: Date.now() };
        writeFileSync(join(farm.inject, `${w.service}.${w.node}.${kind === 'worker-crash' ? 'crash' : 'hang'}`), '');
        injections.push(i);
        log(`${kind} of ${w.service} on ${w.node}`);
        continue;
      }
      let target: string | undefined;
      if (kind === 'arbitrator-kill') target = arbitrator;
      else if (kind === 'manager-kill') target = pick([...managerPeers].filter((p) => p !== arbitrator));
      else target = pick(plain)?.node ?? pick(farm.peers.filter((p) => !managerPeers.has(p.name) && p.name !== arbitrator).map((p) => p.name));
      const p = farm.peers.find((x) => x.name === target);
      if (!p || !p.alive) continue;
      const i = inj(p.name);
      injections.push(i);
      log(`${kind} of ${p.name}${i.affected.length ? ` (workers of ${i.affected.join(', ')})` : ''}${i.manager ? ` (manager of ${i.manager})` : ''}${i.arbitrator ? ' (the active arbitrator)' : ''}`);
      if (kind === 'peer-stop') {
        p.child!.kill('SIGSTOP');
        p.stopped = true;
        await sleep(5000);
        p.child!.kill('SIGCONT');
        p.stopped = false;
      } else {
        await farm.kill(p);
        const down = kind === 'node-kill' ? 8000 : kind === 'peer-restart' ? 0 : 3000;
        await sleep(down);
        farm.start(p, kind === 'node-kill');
        if (kind === 'node-kill') {
          // A replaced machine: the operator's installer puts the node's software on it again.
          if (await farm.waitFor(() => !!p.control && farm.stable(), 30_000)) {
            await farm.deploy(p, join(example, 'peer.sf'), `farm-${p.name}`).catch((e) => log(`cannot provision ${p.name} again: ${String(e)}`));
            log(`${p.name} provisioned again`);
          }
        }
      }
      peerBusyUntil = Date.now() + 4000;
    }
    // The job runs to its end.
    const done = await farm.waitFor(() => farm.completed().length === o.services, Math.max(0, deadline - Date.now()), 250);
    if (!done) cutShort = true;
    // A peer failure injected near the end is seen through: the peer back and the group stable.
    await farm.waitFor(() => farm.peers.every((p) => p.alive && !p.stopped) && farm.stable(), 30_000);
    await sleep(1500);
    const completedAt = Math.max(...farm.farmEvents('service-complete').map((e) => e.time), 0);
    await farm.stopAll();
    const report = check(farm, injections, startedAt, cutShort);
    report.jobMs = completedAt ? completedAt - deployedAt : undefined;
    report.completedAt = completedAt || undefined;
    return report;
  } finally {
    await farm.stopAll();
    farm.cleanup();
  }
}

// --- the checker -------------------------------------------------------------------------------

type Ev = FarmEvent & { inc: number };

function intervalsOverlap(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[1] && b[0] < a[1];
}

export function check(farm: Farm, injections: Injection[], startedAt: number, cutShort: boolean): FarmReport {
  const o = farm.o;
  const safety: string[] = [];
  const liveness: string[] = [];
  const ev = farm.events;
  const endOf = (peer: string, inc: number): number => farm.peers.find((p) => p.name === peer)?.ended.get(inc) ?? Date.now();

  // Safety 1: a node's own statuses never name two services without a release between them.
  for (const p of farm.peers) {
    let held = '';
    for (const e of ev.filter((x) => x.peer === p.name && x.event === 'farm' && x.what === 'node-status')) {
      const status = String(e.status);
      const service = String(e.service ?? '');
      if (status === 'allocated' && held && held !== service && e.how !== 'recovered' && e.how !== 'started') safety.push(`node ${p.name} went from ${held} to ${service} without being freed`);
      held = status === 'allocated' ? service : '';
    }
  }
  // An excluded node is never allocated again (unless it came back as a new machine, its store wiped).
  for (const p of farm.peers) {
    let excluded = false;
    for (const e of ev.filter((x) => x.peer === p.name && x.event === 'farm' && (x.what === 'node-status' || x.what === 'node-excluded'))) {
      if (e.what === 'node-excluded') excluded = true;
      else if (e.how === 'started') excluded = false;
      else if (excluded && e.status === 'allocated') safety.push(`node ${p.name} was allocated to ${String(e.service)} after its exclusion`);
    }
  }
  // Workers: intervals from `worker-running` to `worker-stopped` (or the end of their peer's incarnation).
  const workers: { service: string; node: string; token: string; span: [number, number] }[] = [];
  for (const e of ev.filter((x) => x.event === 'farm' && x.what === 'worker-running')) {
    const stop = ev.find((x) => x.event === 'farm' && x.what === 'worker-stopped' && x.token === e.token && x.peer === e.peer && x.inc === e.inc);
    workers.push({ service: String(e.service), node: e.peer, token: String(e.token), span: [e.time, stop ? stop.time : endOf(e.peer, e.inc)] });
  }
  for (let i = 0; i < workers.length; i++) {
    for (let j = i + 1; j < workers.length; j++) {
      const a = workers[i]!;
      const b = workers[j]!;
      if (a.node !== b.node || !intervalsOverlap(a.span, b.span)) continue;
      if (a.service === b.service) safety.push(`two live copies of the worker of ${a.service} on ${a.node}: ${a.token} and ${b.token}`);
      else safety.push(`node ${a.node} ran workers of two services at once: ${a.token} and ${b.token} (${Math.min(a.span[1], b.span[1]) - Math.max(a.span[0], b.span[0])} ms)`);
    }
  }
  // Managers: `manager-running` to the end of their peer's incarnation; one per service at a time.
  const managers = ev.filter((x) => x.event === 'farm' && x.what === 'manager-running').map((e) => ({ service: String(e.service), span: [e.time, endOf(e.peer, e.inc)] as [number, number], peer: e.peer }));
  for (let i = 0; i < managers.length; i++)
    for (let j = i + 1; j < managers.length; j++)
      if (managers[i]!.service === managers[j]!.service && intervalsOverlap(managers[i]!.span, managers[j]!.span)) safety.push(`two live managers of ${managers[i]!.service}`);

  // Liveness: every frame accepted once, with the expected hash, in a file that has it.
  let accepted = 0;
  let rendered = 0;
  for (let k = 1; k <= o.services; k++) {
    const job = farm.job(k);
    const dir = join(farm.output, job.service);
    const manifestFile = join(dir, 'manifest.json');
    const acceptedEvents = ev.filter((x) => x.event === 'farm' && x.what === 'frame-accepted' && x.service === job.service);
    const perFrame = new Map<number, number>();
    for (const e of acceptedEvents) perFrame.set(Number(e.frame), (perFrame.get(Number(e.frame)) ?? 0) + 1);
    for (const [f, n] of perFrame) if (n > 1) safety.push(`${job.service} frame ${f} accepted ${n} times`);
    if (!existsSync(manifestFile)) {
      liveness.push(`${job.service}: not complete (${perFrame.size} of ${job.frames} frames accepted)`);
      accepted += perFrame.size;
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { frames: Record<string, { hash: string; file: string; token: string }> };
    for (let f = 0; f < job.frames; f++) {
      const m = manifest.frames[String(f)];
      if (!m) {
        liveness.push(`${job.service} frame ${f}: not accepted`);
        continue;
      }
      accepted++;
      const expected = sha256(renderFrame(job, f));
      if (m.hash !== expected) liveness.push(`${job.service} frame ${f}: accepted hash ${m.hash.slice(0, 12)} is not the expected ${expected.slice(0, 12)}`);
      const file = join(dir, m.file);
      if (!existsSync(file)) liveness.push(`${job.service} frame ${f}: ${m.file} is missing`);
      else if (createHash('sha256').update(readFileSync(file)).digest('hex') !== expected) liveness.push(`${job.service} frame ${f}: ${m.file} does not have the expected content`);
      const e = acceptedEvents.find((x) => Number(x.frame) === f);
      if (e && e.hash !== m.hash) safety.push(`${job.service} frame ${f}: the accepted event and the manifest disagree`);
    }
  }
  // Frames rendered: every PNG written (re-rendered: beyond one per frame).
  for (let k = 1; k <= o.services; k++) {
    const dir = join(farm.output, `s${k}`);
    if (existsSync(dir)) rendered += readdirCount(dir);
  }

  // Detection and repair of each injection.
  const after = (t: number, xs: Ev[]) => xs.filter((x) => x.time >= t).sort((a, b) => a.time - b.time)[0];
  for (const i of injections) {
    const lost = ev.filter((x) => x.event === 'farm' && x.what === 'worker-lost' && x.node === i.target && (!i.service || x.service === i.service));
    const left = ev.filter((x) => x.event === 'left' && x.subject === i.target && x.peer !== i.target);
    let detected: Ev | undefined;
    if (i.kind === 'worker-crash' || i.kind === 'worker-hang') detected = after(i.time, lost);
    else detected = [after(i.time, left), after(i.time, lost)].filter((x): x is Ev => !!x).sort((a, b) => a.time - b.time)[0];
    if (!detected) {
      liveness.push(`${i.kind} of ${i.target} at +${i.time - startedAt} ms: not detected`);
      continue;
    }
    i.detectedAt = detected.time;
    i.detectedBy = `${detected.peer}: ${detected.event}${detected.what ? ` ${detected.what}` : ''}`;
    // Repair: the work each affected service lost is done again (every frame its lost worker
    // held accepted, or the service complete); a failed peer's node is back in the pool; the
    // arbitrator is active again; a killed manager runs again and accepts frames.
    const repairs: (number | undefined)[] = [];
    const farmAfter = (t: number, pred: (x: Ev) => boolean) => after(t, ev.filter((x) => x.event === 'farm' && pred(x)));
    const completeAt = (service: string) => ev.find((x) => x.event === 'farm' && x.what === 'service-complete' && x.service === service)?.time;
    for (const s of i.affected) {
      const loss = farmAfter(i.time, (x) => x.what === 'worker-lost' && x.service === s && x.node === i.target);
      if (!loss) {
        // The manager went down with it (its workers were replaced at its recovery), or the job ended.
        repairs.push(i.manager === s ? i.time : completeAt(s) ?? undefined);
        continue;
      }
      const frames = (loss.frames as number[] | undefined) ?? [];
      const done = frames.map((f) => ev.find((x) => x.event === 'farm' && x.what === 'frame-accepted' && x.service === s && x.frame === f)?.time);
      const c = completeAt(s);
      repairs.push(done.every((d) => d !== undefined) ? Math.max(loss.time, ...(done as number[])) : c !== undefined && c >= loss.time ? c : undefined);
    }
    if (i.arbitrator) repairs.push(farmAfter(i.time, (x) => x.what === 'arbitrator-active')?.time);
    if (i.manager) {
      const m = farmAfter(i.time, (x) => x.what === 'manager-running' && x.service === i.manager && x.recovered === true);
      // A manager whose job was complete is repaired when it says so again after its recovery.
      const c = farmAfter(m?.time ?? i.time, (x) => x.what === 'service-complete' && x.service === i.manager)?.time;
      repairs.push(m ? (farmAfter(m.time, (x) => x.what === 'frame-accepted' && x.service === i.manager)?.time ?? c) : undefined);
    }
    if (i.kind !== 'worker-crash' && i.kind !== 'worker-hang') {
      // The peer is back, and so is its node in the pool.
      if (i.kind === 'peer-stop') repairs.push(after(i.time, ev.filter((x) => x.peer === i.target && x.event === 'stable'))?.time);
      else repairs.push(farmAfter(i.time, (x) => x.peer === i.target && x.what === 'node-status')?.time);
    }
    if (repairs.some((r) => r === undefined)) {
      liveness.push(`${i.kind} of ${i.target} at +${i.time - startedAt} ms: detected but not repaired`);
      continue;
    }
    i.repairedAt = Math.max(detected.time, ...(repairs as number[]));
  }
  // Peers reported gone that no injection explains (load on a shared machine: a missed heartbeat bound).
  const explained = (x: Ev) =>
    injections.some((i) => (i.target === x.subject || i.target === x.peer) && x.time >= i.time - 1000 && x.time <= (i.repairedAt ?? i.detectedAt ?? i.time) + 20_000);
  const unexplained = ev.filter((x) => x.event === 'left' && x.time >= startedAt && !explained(x)).sort((a, b) => a.time - b.time);
  const spontaneous: { subject: string; time: number }[] = [];
  for (const x of unexplained) if (!spontaneous.some((y) => y.subject === x.subject && Math.abs(y.time - x.time) < 5000)) spontaneous.push({ subject: x.subject, time: x.time });
  const excluded = farm.farmEvents('node-excluded').map((e) => {
    const cause = injections.filter((i) => i.target === e.node && i.time <= e.time).at(-1);
    return { node: String(e.node), time: e.time, ...(cause ? { kind: cause.kind } : {}) };
  });
  return {
    options: o,
    dir: farm.dir,
    startedAt,
    injections,
    excluded,
    framesRendered: rendered,
    framesAccepted: accepted,
    framesReRendered: Math.max(0, rendered - accepted),
    safety,
    liveness,
    events: ev.length,
    spontaneous,
    cutShort,
  };
}

function readdirCount(dir: string): number {
  // PNG files only (the manifest and temporary files aside).
  return readdirSync(dir).filter((f) => f.endsWith('.png')).length;
}

// --- the table ---------------------------------------------------------------------------------

function quantile(xs: number[], q: number): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

const secs = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

export function formatTable(r: FarmReport, baselineMs?: number): string {
  const lines = ['| failure kind | injected | detected | repaired automatically | detection p50 / p99 | repair p50 / p99 | nodes excluded |', '| --- | --- | --- | --- | --- | --- | --- |'];
  const total = { injected: 0, detected: 0, repaired: 0, excluded: 0 };
  for (const kind of FAILURE_KINDS) {
    const is = r.injections.filter((i) => i.kind === kind);
    const det = is.filter((i) => i.detectedAt !== undefined).map((i) => i.detectedAt! - i.time);
    const rep = is.filter((i) => i.repairedAt !== undefined).map((i) => i.repairedAt! - i.time);
    const ex = r.excluded.filter((e) => e.kind === kind).length;
    total.injected += is.length;
    total.detected += det.length;
    total.repaired += rep.length;
    total.excluded += ex;
    lines.push(`| ${kind} | ${is.length} | ${det.length} | ${rep.length} | ${secs(quantile(det, 0.5))} / ${secs(quantile(det, 0.99))} | ${secs(quantile(rep, 0.5))} / ${secs(quantile(rep, 0.99))} | ${ex} |`);
  }
  const unattributed = r.excluded.filter((e) => !e.kind).length;
  lines.push(`| all | ${total.injected} | ${total.detected} | ${total.repaired} | | | ${total.excluded + unattributed} |`);
  lines.push('');
  lines.push(`frames: ${r.framesAccepted} accepted of ${r.options.services * r.options.frames}, ${r.framesRendered} rendered, ${r.framesReRendered} re-rendered`);
  if (r.jobMs !== undefined) lines.push(`job time: ${secs(r.jobMs)}${baselineMs ? ` against ${secs(baselineMs)} failure-free (${((r.jobMs / baselineMs - 1) * 100).toFixed(0)}% more)` : ''}`);
  if (r.excluded.length) lines.push(`excluded: ${r.excluded.map((e) => `${e.node}${e.kind ? ` (after ${e.kind})` : ''}`).join(', ')}`);
  if (r.spontaneous.length) lines.push(`peers reported gone without an injection (load): ${r.spontaneous.map((x) => `${x.subject} at +${((x.time - r.startedAt) / 1000).toFixed(0)} s`).join(', ')}`);
  lines.push(`safety: ${r.safety.length ? r.safety.join('; ') : 'held'}`);
  lines.push(`liveness: ${r.liveness.length ? r.liveness.join('; ') : 'held'}${r.cutShort ? ' (cut short at the time limit)' : ''}`);
  return lines.join('\n');
}
