/**
 * In-process peers on the memory network and one manual clock: the harness of the placement,
 * failure, partition and recovery tests. Time moves only through `run`/`until`, in small steps
 * with the promise queue drained between them, so the component host's async lifecycle keeps
 * up with the simulated group.
 */
import { randomBytes } from 'node:crypto';
import { planId, serialisePlan } from '../../compiler/index.js';
import type { DeploymentPlan } from '../../core/plan-types.js';
import { ManualClock, settle } from '../../core/clock.js';
import type { Prim } from '../../runtime/component/component.js';
import { EventRecorder } from '../../runtime/host/events.js';
import { GroupKey } from '../../runtime/group/authenticated-transport.js';
import { GroupMember } from '../../runtime/group/group-member.js';
import { MemoryNetwork, seededRandom } from '../../runtime/group/memory-network.js';
import { boundsOf, getProfile } from '../../runtime/group/profiles.js';
import { MemoryPeerLinks } from '../../runtime/peer/peer-link.js';
import { Peer } from '../../runtime/peer/peer.js';
import { MemoryCheckpointStore, MemoryStorage } from '../../runtime/persistence/store/index.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { testRegistry } from './runtime.js';
import { Backend, Keeper } from './peer-fixtures.js';

export const profile = getProfile('local-test');
export const bounds = boundsOf(profile);

export interface SimPeer {
  name: string;
  id: number;
  peer: Peer;
  recorder: EventRecorder;
  storage?: MemoryStorage;
}

export class Cluster {
  readonly clock = new ManualClock();
  readonly net = new MemoryNetwork(this.clock, seededRandom(3));
  readonly links = new MemoryPeerLinks(this.net);
  readonly key = new GroupKey(randomBytes(32));
  readonly peers = new Map<string, SimPeer>();
  private epochs = 0;

  constructor(readonly placementTimeoutMs = 5000) {}

  /** Starts a peer (again, with the same storage, after a crash when `storage` is given). */
  async add(name: string, id: number, options: { storage?: MemoryStorage } = {}): Promise<SimPeer> {
    const member = new GroupMember({
      identity: { id, name, epoch: this.clock.now() + this.epochs++ },
      profile,
      key: this.key,
      clock: this.clock,
      datagrams: this.net.datagramEndpoint(id),
      messages: this.net.messageEndpoint(id),
      random: seededRandom(id * 31 + this.epochs),
    });
    let store: MemoryCheckpointStore | undefined;
    if (options.storage) {
      options.storage.owner = null; // the crashed process no longer holds it
      store = new MemoryCheckpointStore(options.storage);
      await store.open({ epoch: this.clock.now() });
    }
    const address = `mem:${name}`;
    const registry = testRegistry().register('Backend', Backend).register('Keeper', Keeper);
    void createStandardRegistry;
    const peer = new Peer({
      name,
      member,
      registry,
      link: this.links.linkFor(id),
      controlAddress: address,
      clock: this.clock,
      store,
      placementTimeoutMs: this.placementTimeoutMs,
      liveness: { delay: 1, factor: 2 },
      onCrash: () => this.links.unregister(address),
    });
    const endpoint = { id, handle: (op: string, body: unknown) => peer.handle(op, body) };
    this.links.register(address, endpoint);
    const recorder = new EventRecorder(peer.host.events);
    const sim: SimPeer = { name, id, peer, recorder, storage: options.storage };
    this.peers.set(name, sim);
    await this.settled(peer.start());
    return sim;
  }

  get(name: string): Peer {
    const p = this.peers.get(name);
    if (!p) throw new Error(`no peer ${name}`);
    return p.peer;
  }

  /** Advances time by `ms` in steps, draining promises between steps. */
  async run(ms: number, step = 10): Promise<void> {
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      this.clock.runFor(Math.min(step, end - this.clock.now()));
      await settle();
      await settle();
    }
  }

  /** Runs until `cond` holds; the simulated time it took, or -1 after `limitMs`. */
  async until(cond: () => boolean, limitMs: number, step = 10): Promise<number> {
    const start = this.clock.now();
    while (!cond()) {
      if (this.clock.now() - start >= limitMs) return -1;
      await this.run(step, step);
    }
    return this.clock.now() - start;
  }

  /** Awaits a promise while time runs (bounded by `limitMs` of simulated time). */
  async settled<T>(p: Promise<T>, limitMs = 120_000): Promise<T> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    p.then(
      (v) => ((done = true), (value = v)),
      (e) => ((done = true), (error = e ?? new Error('rejected'))),
    );
    if ((await this.until(() => done, limitMs)) < 0) throw new Error(`not settled within ${limitMs} ms of simulated time`);
    if (error) throw error;
    return value as T;
  }

  async stable(names: string[], limitMs = bounds.join * 3): Promise<void> {
    const ids = names.map((n) => this.peers.get(n)!.id).sort((a, b) => a - b).join(',');
    const ok = () =>
      names.every((n) => {
        const s = this.get(n).member.snapshot();
        return s.stable && [...s.partition].sort((a, b) => a - b).join(',') === ids;
      });
    if ((await this.until(ok, limitMs)) < 0) throw new Error(`${names.join(', ')} did not become one stable partition`);
    // Past the re-registration delay, and every peer has seen every other's `peer/<name>`.
    await this.until(() => names.every((n) => names.every((m) => m === n || this.get(n).directory.get(m))), bounds.discovery * 2);
  }

  /** Deploys through `via` and waits until the answer comes. */
  async deploy(via: string, plan: DeploymentPlan, name: string, wait = 60_000): Promise<{ app: string; state: string; record?: { reason: string } }> {
    plan.id = '';
    plan.id = planId(plan);
    const body = { plan: Buffer.from(serialisePlan(plan, 'msgpack')).toString('base64'), name, wait };
    return this.settled(this.get(via).handle('deploy', body) as Promise<{ app: string; state: string }>, wait + 10_000);
  }

  async close(): Promise<void> {
    for (const p of this.peers.values()) await this.settled(p.peer.crash()).catch(() => undefined);
  }
}

/** Live components of a peer whose published path is `path` in `app` (to count copies). */
export function liveCopies(peer: Peer, app: string, path: string): Prim[] {
  const out: Prim[] = [];
  const visit = (c: Prim) => {
    const l = peer.publicLocation(c);
    if (l && l.app === app && l.path === path && !c.isTerminating && c.type !== 'frog:RemoteSubtree') out.push(c);
    for (const x of c.children) visit(x);
  };
  for (const n of peer.host.applicationNames()) {
    const r = peer.host.application(n);
    if (r) visit(r);
  }
  return out;
}
