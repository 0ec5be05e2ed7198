/**
 * `npm run bench -- propagate [--peers N] [--changes N]`: state propagation on loopback.
 *
 * frogpond: N (10) group members in this process, each over its own real UDP multicast socket and TCP
 * message transport on 127.0.0.1, profile `lan`. Member 0 provides `bench/value`; every member
 * (member 0 included) listens to it. Once every listener holds the initial value, the provider sets
 * 100 new values one after the other; for each we time from just before `setValue` until the last
 * listener's `newValue` upcall has it (performance.now, same process).
 *
 * Baseline, in the same run: N serf agents (Debian's `serf`) on 127.0.0.1 with distinct bind and RPC
 * ports, joined explicitly to the first one (never -discover). Agent 0 dispatches 100 user events
 * (uncoalesced, each with a unique name) through its RPC port, spoken directly (msgpack, as `serf
 * event` does, so no CLI start-up is counted); each agent's `serf monitor` stream tells when that agent
 * received the event (its "Received event: user-event: NAME" line, logged just before handlers run).
 * That is the moment most favourable to serf. Prints p50/p99 of both and the ratios.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Packr, Unpackr } from 'msgpackr';
import { GroupKey } from '../runtime/group/authenticated-transport.js';
import { GroupMember } from '../runtime/group/group-member.js';
import { boundsOf, getProfile } from '../runtime/group/profiles.js';
import { Listener, Provider } from '../runtime/group/state-space.js';
import { TcpMessageTransport } from '../runtime/group/tcp-message-transport.js';
import { SystemClock } from '../core/clock.js';
import { UdpMulticastTransport } from '../runtime/group/udp-multicast-transport.js';

const GROUP_PORT = 45140;
const SERF_BASE = 47600; // bind ports base..base+N-1, RPC ports base+50..
const PER_CHANGE_LIMIT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** Nearest-rank percentile. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function summary(xs: number[]): string {
  return `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms (${xs.length} changes)`;
}

async function waitFor(cond: () => boolean, limitMs: number, stepMs = 10): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}

/**
 * One change at a time: `fire(i)` starts change i, `arrive(i)` is called once per receiver that has
 * it; the latency is the time until the last of `receivers` has it. Null on a timeout.
 */
class ChangeTimer {
  private expected = -1;
  private seen = new Set<number>();
  private started = 0;
  private done: ((ms: number) => void) | null = null;

  constructor(private readonly receivers: number) {}

  arrive(change: number, receiver: number): void {
    if (change !== this.expected || this.seen.has(receiver)) return;
    this.seen.add(receiver);
    if (this.seen.size === this.receivers) this.done?.(performance.now() - this.started);
  }

  async run(change: number, fire: () => void): Promise<number | null> {
    this.expected = change;
    this.seen = new Set();
    let timer: NodeJS.Timeout | undefined;
    const result = new Promise<number | null>((resolve) => {
      this.done = resolve;
      timer = setTimeout(() => resolve(null), PER_CHANGE_LIMIT_MS);
    });
    this.started = performance.now();
    fire();
    const ms = await result;
    clearTimeout(timer);
    this.done = null;
    return ms;
  }
}

// --- frogpond ---------------------------------------------------------------------------------

async function frogpond(peers: number, changes: number): Promise<number[] | null> {
  const profile = getProfile('lan');
  const b = boundsOf(profile);
  const key = new GroupKey(randomBytes(32));
  const members: GroupMember[] = [];
  const timer = new ChangeTimer(peers);
  const initial: boolean[] = new Array(peers).fill(false);
  try {
    for (let id = 1; id <= peers; id++) {
      const epoch = Date.now();
      const datagrams = await UdpMulticastTransport.open({ group: '239.255.42.43', port: GROUP_PORT, interfaceAddress: '127.0.0.1' });
      const messages = await TcpMessageTransport.open({ self: id, epoch, key, host: '127.0.0.1' });
      const m = new GroupMember({ identity: { id, name: `p${id}`, epoch }, profile, key, clock: new SystemClock(), datagrams, messages });
      const receiver = id - 1;
      m.stateSpace.registerListener(
        new Listener('bench/value', {
          newValue: (v) => {
            const change = (v.value as { change: number } | null)?.change ?? -2;
            if (change === -1) initial[receiver] = true;
            timer.arrive(change, receiver);
          },
        }),
      );
      m.start();
      members.push(m);
    }
    const t0 = Date.now();
    if (!(await waitFor(() => members.every((m) => m.view().stable && m.view().members.length === peers), b.join + 10_000))) {
      console.log('  frogpond: the group did not become stable; column skipped');
      return null;
    }
    console.log(`  stable view of ${peers} after ${Date.now() - t0} ms`);
    const provider = new Provider('bench/value');
    provider.setValue({ change: -1 });
    members[0]!.stateSpace.registerProvider(provider);
    if (!(await waitFor(() => initial.every(Boolean), b.discovery + 5000))) {
      console.log(`  frogpond: only ${initial.filter(Boolean).length} of ${peers} listeners discovered the provider; column skipped`);
      return null;
    }
    const out: number[] = [];
    for (let i = 0; i < changes; i++) {
      const ms = await timer.run(i, () => provider.setValue({ change: i, at: Date.now() }));
      if (ms === null) {
        console.log(`  frogpond: change ${i} did not reach every listener within ${PER_CHANGE_LIMIT_MS} ms`);
        continue;
      }
      out.push(ms);
      await sleep(10);
    }
    const errors = members.reduce((n, m) => n + m.counters.internalErrors, 0);
    if (errors) console.log(`  frogpond: ${errors} internal errors counted`);
    return out;
  } finally {
    for (const m of members) await m.stop();
  }
}

// --- serf -------------------------------------------------------------------------------------

const serfPackr = new Packr({ useRecords: false });

/** A minimal client of serf's RPC protocol: handshake, then `event` requests; checks each answer (also used by bench/unicast-node.ts). */
export class SerfRpc {
  private buffered = Buffer.alloc(0);
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
  private readonly waiting = new Map<number, (error: string) => void>();
  private seq = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static async open(address: string): Promise<SerfRpc> {
    const [host, port] = address.split(':') as [string, string];
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port: Number(port) }, () => resolve(s));
      s.once('error', reject);
    });
    socket.setNoDelay(true);
    const rpc = new SerfRpc(socket);
    const error = await rpc.request('handshake', { Version: 1 });
    if (error) throw new Error(`serf RPC handshake refused: ${error}`);
    return rpc;
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    // Answers to handshake and event are bare headers {Seq, Error}; decode what is complete and keep
    // the rest for the next chunk.
    let consumed = 0;
    try {
      this.unpackr.unpackMultiple(this.buffered, (value: unknown, _start?: number, end?: number) => {
        consumed = end ?? this.buffered.length;
        const header = value as { Seq?: number; Error?: string };
        if (typeof header?.Seq !== 'number') return;
        this.waiting.get(header.Seq)?.(header.Error ?? '');
        this.waiting.delete(header.Seq);
      });
    } catch (e) {
      if (!(e as { incomplete?: boolean }).incomplete) consumed = this.buffered.length; // garbage: drop it
    }
    this.buffered = this.buffered.subarray(consumed);
  }

  /** Sends header and body; resolves with the error text of the answer ('' when none). */
  request(command: string, body: Record<string, unknown>): Promise<string> {
    const seq = this.seq++;
    const answer = new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('no answer within 5 s'), 5000);
      this.waiting.set(seq, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
    this.socket.write(Buffer.concat([serfPackr.pack({ Command: command, Seq: seq }), serfPackr.pack(body)]));
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }
}

function serfAvailable(): string | null {
  const have = () => spawnSync('serf', ['version'], { encoding: 'utf8', timeout: 5000 });
  let r = have();
  if (r.error) {
    console.log('serf: not installed; trying `apt-get install -y serf`');
    spawnSync('apt-get', ['install', '-y', 'serf'], { stdio: 'ignore', timeout: 300_000 });
    r = have();
  }
  return r.error ? null : r.stdout.split('\n')[0]!;
}

function serfAliveCount(rpc: string): number {
  const r = spawnSync('serf', ['members', `-rpc-addr=${rpc}`, '-format=json'], { encoding: 'utf8', timeout: 5000 });
  try {
    return (JSON.parse(r.stdout) as { members: { status: string }[] }).members.filter((m) => m.status === 'alive').length;
  } catch {
    return 0;
  }
}

async function serf(peers: number, changes: number, procs: ChildProcess[]): Promise<number[] | null> {
  const rpcAddr = (i: number) => `127.0.0.1:${SERF_BASE + 50 + i}`;
  const timer = new ChangeTimer(peers);
  const run = randomBytes(3).toString('hex');
  let rpc: SerfRpc | undefined;
  try {
    for (let i = 0; i < peers; i++) {
      const args = ['agent', `-node=pb${i}`, `-bind=127.0.0.1:${SERF_BASE + i}`, `-rpc-addr=${rpcAddr(i)}`, '-log-level=info'];
      if (i > 0) args.push(`-join=127.0.0.1:${SERF_BASE}`);
      procs.push(spawn('serf', args, { stdio: 'ignore' }));
    }
    const t0 = Date.now();
    const joined = await waitFor(() => Array.from({ length: peers }, (_, i) => i).every((i) => serfAliveCount(rpcAddr(i)) === peers), 30_000, 100);
    if (!joined) {
      console.log('  serf: the agents did not all see each other alive within 30 s; column skipped');
      return null;
    }
    console.log(`  all ${peers} agents alive everywhere after ${Date.now() - t0} ms`);
    // One monitor per agent: the line for event NAME says that agent has received it.
    const pattern = new RegExp(`user-event: fp-${run}-(\\d+)`);
    const ready: boolean[] = new Array(peers).fill(false);
    for (let i = 0; i < peers; i++) {
      const mon = spawn('serf', ['monitor', `-rpc-addr=${rpcAddr(i)}`, '-log-level=info'], { stdio: ['ignore', 'pipe', 'ignore'] });
      procs.push(mon);
      let buf = '';
      mon.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = pattern.exec(line);
          if (!m) continue;
          const change = Number(m[1]);
          if (change === 999999) ready[i] = true;
          else timer.arrive(change, i);
        }
      });
    }
    rpc = await SerfRpc.open(rpcAddr(0));
    const send = async (change: number) => {
      const error = await rpc!.request('event', { Name: `fp-${run}-${change}`, Payload: Buffer.from(String(change)), Coalesce: false });
      if (error) console.log(`  serf: event ${change} refused: ${error}`);
    };
    // A warm-up event that also proves every monitor stream is attached.
    const warm = await waitFor(() => {
      if (!ready.every(Boolean)) void send(999999);
      return ready.every(Boolean);
    }, 20_000, 1000);
    if (!warm) {
      console.log('  serf: the monitors did not all see the warm-up event; column skipped');
      return null;
    }
    const out: number[] = [];
    for (let i = 0; i < changes; i++) {
      const ms = await timer.run(i, () => void send(i));
      if (ms === null) {
        console.log(`  serf: event ${i} did not reach every agent within ${PER_CHANGE_LIMIT_MS} ms`);
        continue;
      }
      out.push(ms);
      await sleep(10);
    }
    return out;
  } finally {
    rpc?.close();
  }
}

function killAll(procs: ChildProcess[]): void {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

export async function main(args: string[]): Promise<void> {
  const peers = option(args, '--peers', 10);
  const changes = option(args, '--changes', 100);
  const profile = getProfile('lan');
  console.log(`frogpond: ${peers} members on 127.0.0.1 (UDP multicast + TCP), profile lan (value bound T = ${boundsOf(profile).valueUpdate} ms); provider on member 1, a listener on every member; ${changes} changes`);
  const frog = await frogpond(peers, changes);
  if (frog?.length) console.log(`  every listener has the value: ${summary(frog)}`);

  const version = serfAvailable();
  let base: number[] | null = null;
  if (!version) console.log('serf: not installed and `apt-get install -y serf` did not help; serf column skipped');
  else {
    console.log(`serf (${version}): ${peers} agents on 127.0.0.1, default LAN settings, user events (coalesce off) from agent 0; ${changes} events`);
    const procs: ChildProcess[] = [];
    const onExit = () => killAll(procs);
    process.once('exit', onExit);
    try {
      base = await serf(peers, changes, procs);
    } finally {
      killAll(procs);
      process.off('exit', onExit);
      await sleep(200);
    }
    if (base?.length) console.log(`  every agent has the event: ${summary(base)}`);
  }
  if (frog?.length && base?.length) {
    const r50 = percentile(frog, 50) / percentile(base, 50);
    const r99 = percentile(frog, 99) / percentile(base, 99);
    console.log(`ratio frogpond/serf: p50 ${r50.toFixed(3)}, p99 ${r99.toFixed(3)} (target ≤ 0.2); frogpond p99 ${percentile(frog, 99).toFixed(2)} ms (target < 100 ms)`);
  }
}
