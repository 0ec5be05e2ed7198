/**
 * Several "hosts" on one machine for tests, with Linux network namespaces (needs root, as CI is).
 *
 * Layout of a `NetnsHarness` with N hosts:
 *   - one namespace `frogtest-<pid>-<k>-br` holding a bridge `br0` (multicast snooping off, so group
 *     traffic floods to every port) and the bridge side `v<i>` of each host's veth pair;
 *   - one namespace `frogtest-<pid>-<k>-h<i>` per host with loopback up, `eth0` at 10.213.<k>.<i>/24
 *     and a route for 224.0.0.0/4 on `eth0`.
 * Nothing is created in the machine's own namespace: every link lives in a test namespace, so deleting
 * the namespaces deletes everything, and the private addresses are reachable only across this bridge.
 *
 * Contracts: every command is bounded in time; `destroy()` (and the process `exit` hook, and the next
 * harness of a later run, for namespaces whose creating process is gone) kills what the harness started
 * and deletes every namespace it created, whatever state it is in. `netnsAvailability()` says whether
 * namespaces can be made here, with the reason when not, so tests can skip visibly at load time.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

const PREFIX = 'frogtest-';
const COMMAND_TIMEOUT_MS = 10_000;

export class NetnsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetnsError';
  }
}

/** Runs a command to completion (bounded); throws NetnsError with its stderr when it fails. */
function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  if (r.error) throw new NetnsError(`\`${cmd} ${args.join(' ')}\` could not run: ${r.error.message}`);
  if (r.status !== 0) throw new NetnsError(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Like run, but never throws: for teardown, where every step must be tried. */
function attempt(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  return !r.error && r.status === 0;
}

function listNamespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  if (r.error || r.status !== 0) return [];
  return r.stdout.split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n.length > 0);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes `frogtest-<pid>-*` namespaces left by test processes that no longer exist (a killed run),
 * after killing the processes still running inside them.
 */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    const m = /^frogtest-(\d+)-/.exec(ns);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    // Processes a killed run left inside its own namespaces would keep them alive after deletion.
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
    for (const pid of (pids.stdout ?? '').split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 1)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (attempt('ip', ['netns', 'del', ns])) removed.push(ns);
  }
  return removed;
}

export interface Availability {
  ok: boolean;
  /** Why namespaces cannot be used here (when not ok). */
  reason?: string;
}

let cachedAvailability: Availability | undefined;

/**
 * Whether this machine lets us create namespaces, veth pairs and a bridge: Linux, root, `ip netns`
 * present, and a trial namespace with a bridge and a veth pair can be made (then deleted).
 */
export function netnsAvailability(): Availability {
  if (cachedAvailability) return cachedAvailability;
  const no = (reason: string): Availability => (cachedAvailability = { ok: false, reason });
  if (process.platform !== 'linux') return no(`network namespaces need Linux (this is ${process.platform})`);
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return no('network namespaces need root (CI runs as root)');
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    run('ip', ['netns', 'add', probe]);
    run('ip', ['-n', probe, 'link', 'add', 'br0', 'type', 'bridge']);
    run('ip', ['-n', probe, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    run('ip', ['-n', probe, 'link', 'set', 'v0', 'master', 'br0']);
    return (cachedAvailability = { ok: true });
  } catch (e) {
    return no(`cannot create network namespaces here: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    attempt('ip', ['netns', 'del', probe]);
  }
}

/** Whether `iptables` can be run inside a namespace (the apt package `iptables`; not installed by tests). */
export function iptablesAvailability(): Availability {
  const r = spawnSync('iptables', ['--version'], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  if (r.error || r.status !== 0) return { ok: false, reason: 'iptables is not installed (Debian package `iptables`)' };
  return { ok: true };
}

export interface NetHost {
  /** 1-based index. */
  readonly index: number;
  /** The host's namespace. */
  readonly namespace: string;
  /** Its address on the bridge, e.g. 10.213.0.1. */
  readonly address: string;
  /** The bridge-side end of its veth pair (in the bridge namespace). */
  readonly bridgePort: string;
}

/** All harnesses alive in this process, for the `exit` hook. */
const live = new Set<NetnsHarness>();
let exitHookInstalled = false;
let harnessCounter = 0;

export class NetnsHarness {
  readonly hosts: NetHost[] = [];
  readonly bridgeNamespace: string;
  private readonly created: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(readonly tag: string, readonly subnet: number) {
    this.bridgeNamespace = `${tag}-br`;
  }

  /**
   * Creates `count` hosts (1..250) joined by a bridge. On any failure, deletes what it had made and
   * throws NetnsError.
   */
  static create(count: number): NetnsHarness {
    if (!Number.isInteger(count) || count < 1 || count > 250) throw new NetnsError(`host count must be 1 to 250; got ${count}`);
    removeStaleNamespaces();
    const k = harnessCounter++;
    const h = new NetnsHarness(`${PREFIX}${process.pid}-${k}`, k % 256);
    live.add(h);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const x of live) x.destroySync();
      });
    }
    try {
      h.build(count);
    } catch (e) {
      h.destroySync();
      throw e;
    }
    return h;
  }

  private addNamespace(name: string): void {
    run('ip', ['netns', 'add', name]);
    this.created.push(name);
    run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }

  private build(count: number): void {
    const br = this.bridgeNamespace;
    this.addNamespace(br);
    run('ip', ['-n', br, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    run('ip', ['-n', br, 'link', 'set', 'br0', 'up']);
    for (let i = 1; i <= count; i++) {
      const ns = `${this.tag}-h${i}`;
      this.addNamespace(ns);
      const port = `v${i}`;
      // Both ends are born in test namespaces: the bridge side here, `eth0` moved straight into the host.
      run('ip', ['-n', br, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      run('ip', ['-n', br, 'link', 'set', port, 'master', 'br0']);
      run('ip', ['-n', br, 'link', 'set', port, 'up']);
      const address = `10.213.${this.subnet}.${i}`;
      run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up', 'multicast', 'on']);
      run('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      this.hosts.push({ index: i, namespace: ns, address, bridgePort: port });
    }
  }

  host(index: number): NetHost {
    const h = this.hosts[index - 1];
    if (!h) throw new NetnsError(`no host ${index} (hosts are 1 to ${this.hosts.length})`);
    return h;
  }

  /**
   * Starts `command args` inside host `index`'s namespace (`ip netns exec`, which execs, so the child's
   * pid is the command's). The harness kills it on destroy.
   */
  spawn(index: number, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    if (this.destroyed) throw new NetnsError('the harness has been destroyed');
    const child = spawn('ip', ['netns', 'exec', this.host(index).namespace, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a short command inside a host's namespace to completion (bounded); returns its stdout. */
  exec(index: number, command: string, args: string[]): string {
    return run('ip', ['netns', 'exec', this.host(index).namespace, command, ...args]);
  }

  /** Cuts host `index` off the bridge (its bridge-side port down): it hears nobody, nobody hears it. */
  cut(index: number): void {
    run('ip', ['-n', this.bridgeNamespace, 'link', 'set', this.host(index).bridgePort, 'down']);
  }

  /**
   * The bridge no longer floods multicast to any host (`mcast_flood off` on every bridge port), as
   * clouds, VPNs and container overlays do not route it: only unicast crosses the bridge.
   */
  blockMulticast(indices: readonly number[] = this.hosts.map((h) => h.index)): void {
    // Only the named hosts stop receiving multicast (a mixed group); what they send still floods to the rest.
    for (const i of indices) run('bridge', ['-n', this.bridgeNamespace, 'link', 'set', 'dev', this.host(i).bridgePort, 'mcast_flood', 'off']);
  }

  /** Reconnects a cut host. */
  heal(index: number): void {
    run('ip', ['-n', this.bridgeNamespace, 'link', 'set', this.host(index).bridgePort, 'up']);
  }

  /**
   * One-way loss: host `receiver` no longer hears host `sender` (iptables INPUT drop on the sender's
   * address, inside the receiver's namespace; multicast heartbeats and TCP alike). The sender still
   * hears the receiver. Throws NetnsError when iptables is missing; check `iptablesAvailability()`.
   */
  dropFrom(receiver: number, sender: number): void {
    const a = iptablesAvailability();
    if (!a.ok) throw new NetnsError(a.reason!);
    this.exec(receiver, 'iptables', ['-A', 'INPUT', '-s', `${this.host(sender).address}/32`, '-j', 'DROP']);
  }

  /**
   * Makes host `index` forget every link-layer address it has learned (`ip neigh flush all`), as a
   * host that never talked to the others: its next packet to each of them resolves the address
   * first, which fails after about 3 s (`host unreachable`) when that host is cut off. Runs in the
   * background (bounded); the promise says whether it succeeded.
   */
  flushNeighbours(index: number): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['-n', this.host(index).namespace, 'neigh', 'flush', 'all'], { stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
      child.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    });
  }

  /** Removes every drop rule in host `index`'s namespace. */
  flushDrops(index: number): void {
    this.exec(index, 'iptables', ['-F', 'INPUT']);
  }

  /** Kills every process started with `spawn` and waits (bounded) until each has exited. */
  async killAll(limitMs = 5000): Promise<void> {
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const timer = setTimeout(resolve, limitMs);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGKILL');
        }),
    );
    await Promise.all(waits);
  }

  /** Kills the processes, then deletes every namespace (and with them every link and rule). */
  async destroy(): Promise<void> {
    await this.killAll();
    this.destroySync();
  }

  /** Synchronous teardown for the `exit` hook: SIGKILL the children, delete the namespaces. */
  destroySync(): void {
    for (const c of this.children) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const ns of [...this.created].reverse()) attempt('ip', ['netns', 'del', ns]);
    this.created.length = 0;
    this.destroyed = true;
    live.delete(this);
  }

  /** Namespaces of this harness that still exist (for tests of the harness itself). */
  remaining(): string[] {
    return listNamespaces().filter((n) => n.startsWith(`${this.tag}-`));
  }
}
