/**
 * The components of the render farm (see README.md for the design, after Figure 1 of the
 * Anubis paper). Everything they know of each other goes through the state space:
 *
 * | name | published by | value | observed by |
 * | --- | --- | --- | --- |
 * | `farm/node` | every FarmNode | `{node, status, service, seq, faults}` | the arbitrator, managers |
 * | `farm/demand` | every ServiceManager | `{service, wanted, bid, done, manager, faults}` | the arbitrator, nodes |
 * | `farm/arbitrator` | every Arbitrator (candidate) | `{peer}` | the candidates (the highest peer is active) |
 * | `farm/proposal` | the active Arbitrator | `{arbitrator, round, matches: {node: service}}` | nodes |
 * | `farm/svc/<service>` | a FarmNode allocated to the service | `{node, seq}` | that service's manager |
 * | `farm/work/<service>` | the manager | `{assign: {token: [frames]}}` | its workers |
 * | `farm/result/<service>` | each RenderWorker | `{node, token, results: {frame: sha256}}` | its manager |
 *
 * Ownership: only a node changes its own status (free, allocated to one service, excluded);
 * only a manager changes its job (frames accepted, frames assigned); the arbitrator owns
 * nothing and keeps nothing (it proposes from what it sees now).
 *
 * Every component reports what it does as `farm` events (`what`: node-status, node-excluded,
 * arbitrator-active, worker-started, worker-lost, frame-accepted, service-complete, ...), which
 * `frog peer --events json` prints as JSON lines: the checker of test/support/render-farm.ts
 * reads them.
 */
import { existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { Prim, abnormalRecord, normalRecord, type Observation, type PlanNode, type ProviderEntry, type PublishedState, type TerminationRecord } from 'frogpond';
import { renderRows, sha256, type Job } from './render.js';

interface NodeValue {
  node: string;
  status: 'free' | 'allocated' | 'excluded';
  service: string;
  seq: number;
}
interface Fault {
  id: string;
  node: string;
  time: number;
  reason: string;
}
interface DemandValue {
  service: string;
  wanted: number;
  bid: number;
  done: boolean;
  manager: string;
  faults: Fault[];
}
interface ProposalValue {
  arbitrator: string;
  round: number;
  matches: Record<string, string>;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Providers of one name kept by a key of their value (the latest value wins; a removal only removes its own provider). */
class Keyed<V> {
  private readonly byKey = new Map<string, { id: string; value: V; time: number }>();
  constructor(private readonly keyOf: (v: V) => string | undefined) {}
  put(p: ProviderEntry): void {
    const v = p.value as V;
    const k = this.keyOf(v);
    if (k === undefined) return;
    const had = this.byKey.get(k);
    if (had && had.id !== p.id && had.time > p.time) return;
    this.byKey.set(k, { id: p.id, value: v, time: p.time });
  }
  remove(p: ProviderEntry): void {
    for (const [k, e] of this.byKey) if (e.id === p.id) this.byKey.delete(k);
  }
  get(k: string): V | undefined {
    return this.byKey.get(k)?.value;
  }
  values(): V[] {
    return [...this.byKey.values()].map((e) => e.value);
  }
}

function peerOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

// --- the compute node --------------------------------------------------------------------

/**
 * FarmNode: one per peer. Publishes `farm/node` and owns its status: it accepts a proposal for
 * itself only while free, records the new status durably before it tells anyone, then exposes
 * itself as `farm/svc/<service>`. It releases itself when its service is done or has been gone
 * for `releaseGrace` ms, and excludes itself for good after `faultLimit` faults reported by
 * managers within `faultWindow` ms.
 */
export class FarmNode extends Prim {
  private status: NodeValue['status'] = 'free';
  private service = '';
  private seq = 0;
  private faults: Fault[] = [];
  private published?: PublishedState;
  private exposed?: PublishedState;
  private proposals?: Observation;
  private demands?: Observation;
  private readonly demandOf = new Keyed<DemandValue>((v) => v?.service);
  private busy = false;
  private absentSince = 0;

  private get me(): string {
    return this.host.peer;
  }

  protected override async start(): Promise<void> {
    this.status = this.resolveString('status', 'free') as NodeValue['status'];
    this.service = this.resolveString('service', '');
    this.seq = this.resolveInteger('seq', 0);
    this.faults = parseJson<Fault[]>(this.resolveString('faults', ''), []);
    this.published = this.stateSpace.publish('farm/node', this.value());
    if (this.status === 'allocated') this.exposed = this.stateSpace.publish(`farm/svc/${this.service}`, { node: this.me, seq: this.seq });
    this.report(this.recovered ? 'recovered' : 'started');
    this.demands = this.stateSpace.observe('farm/demand', {
      added: (p) => this.onDemand(p),
      changed: (p) => this.onDemand(p),
      removed: (p) => this.demandOf.remove(p),
    });
    this.proposals = this.stateSpace.observe('farm/proposal', { added: (p) => this.onProposal(p), changed: (p) => this.onProposal(p) });
    this.tick();
  }

  protected override async terminate(): Promise<void> {
    this.proposals?.close();
    this.demands?.close();
    this.exposed?.withdraw();
    this.published?.withdraw();
  }

  private value(): NodeValue & { faults: number } {
    return { node: this.me, status: this.status, service: this.service, seq: this.seq, faults: this.faults.length };
  }

  private report(how: string): void {
    this.host.emit(this, 'farm', { what: 'node-status', node: this.me, status: this.status, service: this.service, seq: this.seq, how });
  }

  /** Records the status durably, then tells the others (state space and events). */
  private async setStatus(status: NodeValue['status'], service: string, how: string): Promise<void> {
    if (this.status === 'allocated' && (status !== 'allocated' || service !== this.service)) {
      this.exposed?.withdraw();
      this.exposed = undefined;
    }
    this.status = status;
    this.service = service;
    this.seq++;
    await Promise.all([this.sfReplaceAttribute('status', status), this.sfReplaceAttribute('service', service), this.sfReplaceAttribute('seq', this.seq)]);
    if (this.isTerminating) return;
    this.report(how);
    if (status === 'allocated') this.exposed = this.stateSpace.publish(`farm/svc/${service}`, { node: this.me, seq: this.seq });
    this.published?.update(this.value());
  }

  /**
   * Frees the node once no worker of its service runs here any more (its worker withdraws its
   * `farm/result/<service>` when it ends), so that the next service's worker never runs beside
   * it: a node serves one service at a time, workers included. Bounded: after `releaseWait` ms
   * the node stays allocated and tries again later.
   */
  private async release(how: string): Promise<void> {
    const service = this.service;
    const results = this.stateSpace.observe(`farm/result/${service}`, {});
    try {
      const until = Date.now() + this.resolveNumber('releaseWait', 15_000);
      const mine = () => results.providers().some((p) => (p.value as { node?: string })?.node === this.me);
      // Observations report what is there on the next turn.
      await new Promise((r) => setTimeout(r, 50));
      while (mine() && Date.now() < until && !this.isTerminating) await new Promise((r) => setTimeout(r, 100));
      if (mine()) {
        this.log(`a worker of ${service} still runs here: not released yet`);
        return;
      }
    } finally {
      results.close();
    }
    if (this.status === 'allocated' && this.service === service) await this.setStatus('free', '', how);
  }

  private serial(work: () => Promise<void>): void {
    if (this.busy || this.isTerminating) return;
    this.busy = true;
    work()
      .catch((e) => this.log(`node: ${String(e)}`))
      .finally(() => {
        this.busy = false;
      });
  }

  private onProposal(p: ProviderEntry): void {
    const v = p.value as ProposalValue;
    const service = v?.matches?.[this.me];
    if (!service || this.status !== 'free') return;
    const d = this.demandOf.get(service);
    if (!d || d.done || d.wanted <= 0) return;
    this.serial(async () => {
      if (this.status !== 'free') return;
      await this.setStatus('allocated', service, `accepted the proposal of ${v.arbitrator} (round ${v.round})`);
    });
  }

  private onDemand(p: ProviderEntry): void {
    this.demandOf.put(p);
    const d = p.value as DemandValue;
    // Faults reported against this node by any manager.
    let added = false;
    for (const f of d?.faults ?? []) {
      if (f.node !== this.me || this.faults.some((x) => x.id === f.id)) continue;
      this.faults.push(f);
      added = true;
    }
    if (added) {
      this.faults = this.faults.slice(-20);
      void this.sfReplaceAttribute('faults', JSON.stringify(this.faults));
      this.published?.update(this.value());
      this.checkFaults();
    }
    if (this.status === 'allocated' && d?.service === this.service && d.done) this.serial(() => this.release(`released: ${d.service} is done`));
  }

  private checkFaults(): void {
    if (this.status === 'excluded') return;
    const window = this.resolveNumber('faultWindow', 60_000);
    const limit = this.resolveInteger('faultLimit', 3);
    const now = Date.now();
    const recent = this.faults.filter((f) => now - f.time <= window);
    if (recent.length < limit) return;
    const run = async () => {
      if (this.status === 'excluded') return;
      await this.setStatus('excluded', '', `excluded after ${recent.length} faults in ${Math.round(window / 1000)} s`);
      this.host.emit(this, 'farm', { what: 'node-excluded', node: this.me, faults: recent.map((f) => f.id), reasons: recent.map((f) => f.reason) });
    };
    if (this.busy) this.setTimer(() => this.checkFaults(), 200);
    else this.serial(run);
  }

  /** Releases the node when its service has been gone for longer than `releaseGrace`. */
  private tick(): void {
    this.setTimer(() => {
      if (this.status === 'allocated') {
        const d = this.demandOf.get(this.service);
        if (d?.done) this.serial(() => this.release(`released: ${d.service} is done`));
        if (d) this.absentSince = 0;
        else if (!this.absentSince) this.absentSince = Date.now();
        else if (Date.now() - this.absentSince > this.resolveNumber('releaseGrace', 10_000)) {
          const gone = this.service;
          this.absentSince = 0;
          this.serial(() => this.release(`released: ${gone} has been gone for a while`));
        }
      } else this.absentSince = 0;
      this.checkFaults();
      this.tick();
    }, 500);
  }
}

// --- the arbitrator -----------------------------------------------------------------------

/**
 * Arbitrator: a candidate on every peer; the one on the highest-named peer among the visible
 * candidates is active. Stateless: every `interval` ms it matches the free nodes it sees to
 * the services that want more than they hold, highest bid first, and publishes the matches as
 * `farm/proposal`. It never changes a node: the node decides.
 */
export class Arbitrator extends Prim {
  private candidate?: PublishedState;
  private proposal?: PublishedState;
  private candidates?: Observation;
  private nodes?: Observation;
  private demands?: Observation;
  private active = false;
  private round = 0;
  private last = '';
  private readonly nodeOf = new Keyed<NodeValue>((v) => v?.node);
  private readonly demandOf = new Keyed<DemandValue>((v) => v?.service);

  protected override async start(): Promise<void> {
    this.candidate = this.stateSpace.publish('farm/arbitrator', { peer: this.host.peer });
    const elect = () => this.elect();
    this.candidates = this.stateSpace.observe('farm/arbitrator', { added: elect, removed: elect });
    this.nodes = this.stateSpace.observe('farm/node', { added: (p) => this.nodeOf.put(p), changed: (p) => this.nodeOf.put(p), removed: (p) => this.nodeOf.remove(p) });
    this.demands = this.stateSpace.observe('farm/demand', { added: (p) => this.demandOf.put(p), changed: (p) => this.demandOf.put(p), removed: (p) => this.demandOf.remove(p) });
    this.loop();
  }

  protected override async terminate(): Promise<void> {
    for (const o of [this.candidates, this.nodes, this.demands]) o?.close();
    this.proposal?.withdraw();
    this.candidate?.withdraw();
  }

  private elect(): void {
    if (this.isTerminating || !this.candidates) return;
    const peers = this.candidates.providers().map((p) => (p.value as { peer: string }).peer);
    const top = peers.sort(peerOrder).at(-1);
    const active = top === this.host.peer;
    if (active === this.active) return;
    this.active = active;
    this.host.emit(this, 'farm', { what: active ? 'arbitrator-active' : 'arbitrator-standby', peer: this.host.peer, candidates: peers });
    if (!active) {
      this.proposal?.withdraw();
      this.proposal = undefined;
      this.last = '';
    }
  }

  private loop(): void {
    this.setTimer(() => {
      if (this.active) this.propose();
      this.loop();
    }, this.resolveNumber('interval', 500));
  }

  /** The market: free nodes go to the highest bids first, up to what each service wants. */
  private propose(): void {
    const nodes = this.nodeOf.values();
    const free = nodes.filter((n) => n.status === 'free').map((n) => n.node).sort(peerOrder);
    const services = this.demandOf
      .values()
      .filter((d) => !d.done && d.wanted > 0)
      .sort((a, b) => b.bid - a.bid || a.service.localeCompare(b.service));
    const matches: Record<string, string> = {};
    for (const d of services) {
      const held = nodes.filter((n) => n.status === 'allocated' && n.service === d.service).length;
      for (let k = held; k < d.wanted && free.length; k++) matches[free.shift()!] = d.service;
    }
    const text = JSON.stringify(matches);
    if (text === this.last) return;
    this.last = text;
    const value: ProposalValue = { arbitrator: this.host.peer, round: ++this.round, matches };
    if (this.proposal) this.proposal.update(value);
    else this.proposal = this.stateSpace.publish('farm/proposal', value);
    if (Object.keys(matches).length) this.host.emit(this, 'farm', { what: 'proposal', peer: this.host.peer, round: this.round, matches });
  }
}

// --- the rendering service -------------------------------------------------------------------

interface WorkerSlot {
  node: string;
  token: string;
  child?: Prim;
  frames: number[];
  /** Ended by this manager (released, completed): not a fault. */
  ending: boolean;
}

/**
 * ServiceManager: one rendering service. Publishes its demand, deploys a RenderWorker on each
 * node that exposes itself as `farm/svc/<service>` (placed on that node's peer), hands out
 * frames through `farm/work/<service>`, accepts each frame once (from the worker it was
 * assigned to) and records the job durably (`accepted`, `assigned`). A worker that fails is
 * reported as a fault of its node; its frames go back to the pending ones.
 */
export class ServiceManager extends Prim {
  private job!: Job;
  private accepted: Record<string, { hash: string; node: string; token: string; file: string }> = {};
  private faults: Fault[] = [];
  private readonly workers = new Map<string, WorkerSlot>();
  private readonly exposedNodes = new Map<string, string>(); // provider id → node
  private nodes?: Observation;
  private allNodes?: Observation;
  private results?: Observation;
  private demand?: PublishedState;
  private work?: PublishedState;
  private counter = 0;
  private done = false;
  private startedAt = 0;
  private accepting: Promise<void> = Promise.resolve();

  private get service(): string {
    return this.job.service;
  }

  protected override async start(): Promise<void> {
    this.job = {
      service: this.resolveString('service'),
      frames: this.resolveInteger('frames'),
      width: this.resolveInteger('width', 48),
      height: this.resolveInteger('height', 48),
      iterations: this.resolveInteger('iterations', 1000),
    };
    this.accepted = parseJson(this.resolveString('accepted', ''), {});
    this.faults = parseJson<Fault[]>(this.resolveString('faults', ''), []);
    this.counter = this.resolveInteger('counter', 0);
    this.startedAt = this.resolveNumber('startedAt', 0) || Date.now();
    void this.sfReplaceAttribute('startedAt', this.startedAt);
    mkdirSync(join(this.outputDir()), { recursive: true });
    if (this.recovered) {
      // Work in progress is not checkpointed: the copies rebuilt here are replaced by fresh ones.
      await Promise.all([...this.children].map((c) => this.terminateChild(c, normalRecord('replaced after recovery', c.path))));
      void this.sfReplaceAttribute('assigned', '{}');
    }
    this.done = Object.keys(this.accepted).length >= this.job.frames;
    this.demand = this.stateSpace.publish('farm/demand', this.demandValue());
    this.work = this.stateSpace.publish(`farm/work/${this.service}`, { assign: {} });
    this.host.emit(this, 'farm', { what: 'manager-running', service: this.service, recovered: this.recovered, accepted: Object.keys(this.accepted).length, frames: this.job.frames });
    this.results = this.stateSpace.observe(`farm/result/${this.service}`, { added: (p) => this.onResult(p), changed: (p) => this.onResult(p) });
    this.allNodes = this.stateSpace.observe('farm/node', {});
    this.nodes = this.stateSpace.observe(`farm/svc/${this.service}`, {
      added: (p) => this.onExposed(p),
      changed: (p) => this.onExposed(p),
      removed: (p) => this.onUnexposed(p),
    });
    if (this.done) this.complete();
  }

  protected override async terminate(): Promise<void> {
    for (const o of [this.nodes, this.allNodes, this.results]) o?.close();
    this.work?.withdraw();
    this.demand?.withdraw();
  }

  private outputDir(): string {
    return resolvePath(this.host.workingDirectory, this.resolveString('output'), this.resolveString('service'));
  }

  private demandValue(): DemandValue {
    return { service: this.job.service, wanted: this.done ? 0 : this.resolveInteger('maxNodes', 3), bid: this.resolveNumber('bid', 1), done: this.done, manager: this.host.peer, faults: this.faults.slice(-16) };
  }

  private isExposed(node: string): boolean {
    return [...this.exposedNodes.values()].includes(node);
  }

  private onExposed(p: ProviderEntry): void {
    const node = (p.value as { node?: string })?.node;
    if (!node || this.isTerminating) return;
    this.exposedNodes.set(p.id, node);
    if (!this.workers.has(node) && !this.done) this.deployWorker(node);
  }

  private onUnexposed(p: ProviderEntry): void {
    const node = this.exposedNodes.get(p.id);
    this.exposedNodes.delete(p.id);
    if (!node) return;
    // A node that released itself is visible with another status: its worker is ended here.
    // A node whose peer is gone is not: its worker's proxy fails by itself (a fault).
    const check = (waited: number) => {
      const w = this.workers.get(node);
      if (!w || this.isExposed(node) || this.isTerminating) return;
      const visible = this.allNodes?.providers().some((x) => (x.value as NodeValue)?.node === node);
      if (visible) this.endWorker(w, `node ${node} released itself`);
      else if (waited >= 20_000) this.lostWorker(w, 'its node has been gone for 20 s', w.child);
      else this.setTimer(() => check(waited + 1500), 1500);
    };
    this.setTimer(() => check(1500), 1500);
  }

  private deployWorker(node: string): void {
    const template = this.description('worker');
    if (!template) throw new Error('no worker description');
    const token = `${this.service}.${node}.${++this.counter}`;
    void this.sfReplaceAttribute('counter', this.counter);
    const slot: WorkerSlot = { node, token, frames: [], ending: false };
    this.workers.set(node, slot);
    const name = `w_${node.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const extra: [string, string | number][] = [
      ['service', this.service],
      ['node', node],
      ['token', token],
      ['job', JSON.stringify(this.job)],
      ['output', this.outputDir()],
      ['inject', this.resolveString('inject', '')],
      ['frameMs', this.resolveNumber('frameMs', 0)],
    ];
    const keep = new Set(extra.map(([n]) => n));
    const node0: PlanNode = {
      ...template,
      name,
      path: `${this.path}:${name}`,
      host: node,
      attributes: [...template.attributes.filter(([n]) => !keep.has(n)), ...extra],
      lazy: template.lazy.filter((n) => !keep.has(n)),
    };
    this.host.emit(this, 'farm', { what: 'worker-deploying', service: this.service, node, token });
    // On its node's peer: a child whose `host` names another peer is placed there.
    void this.createChild(node0, name).then((child) => {
      if (!child || child.isTerminating) return;
      if (this.workers.get(node) !== slot || slot.ending) {
        void this.terminateChild(child);
        return;
      }
      slot.child = child;
      this.host.emit(this, 'farm', { what: 'worker-started', service: this.service, node, token });
      this.assign();
    });
  }

  /** Ends a worker on this manager's word (not a fault); its frames go back. */
  private endWorker(w: WorkerSlot, why: string): void {
    w.ending = true;
    this.workers.delete(w.node);
    this.host.emit(this, 'farm', { what: 'worker-ended', service: this.service, node: w.node, token: w.token, reason: why });
    if (w.child) void this.terminateChild(w.child, normalRecord(why, w.child.path));
    this.assign();
  }

  protected override onChildTerminated(child: Prim | null, record: TerminationRecord): void {
    const w = [...this.workers.values()].find((x) => x.child === child || (!x.child && child === null));
    if (!w || w.ending) return;
    this.lostWorker(w, record.reason, undefined, record.cause?.code);
  }

  /** A worker failed: a fault of its node; its frames go back; a fresh one is deployed if the node is still ours. */
  private lostWorker(w: WorkerSlot, reason: string, child?: Prim, code?: string): void {
    if (this.workers.get(w.node) !== w) return;
    this.workers.delete(w.node);
    w.ending = true;
    if (child) void this.terminateChild(child, abnormalRecord(reason, child.path));
    const fault: Fault = { id: w.token, node: w.node, time: Date.now(), reason: reason.slice(0, 120) };
    this.faults = [...this.faults, fault].slice(-16);
    void this.sfReplaceAttribute('faults', JSON.stringify(this.faults));
    this.host.emit(this, 'farm', { what: 'worker-lost', service: this.service, node: w.node, token: w.token, reason, code, frames: w.frames.filter((f) => !this.accepted[f]) });
    this.demand?.update(this.demandValue());
    this.assign();
    this.setTimer(() => {
      if (this.isExposed(w.node) && !this.workers.has(w.node) && !this.done) this.deployWorker(w.node);
    }, 1000);
  }

  /** Gives each running worker up to `batch` frames that are neither accepted nor assigned. */
  private assign(): void {
    if (this.isTerminating || this.done) return;
    const batch = this.resolveInteger('batch', 2);
    const taken = new Set<number>();
    for (const w of this.workers.values()) {
      w.frames = w.frames.filter((f) => !this.accepted[f]);
      for (const f of w.frames) taken.add(f);
    }
    let next = 0;
    const pending = (): number | undefined => {
      while (next < this.job.frames && (this.accepted[next] || taken.has(next))) next++;
      return next < this.job.frames ? next++ : undefined;
    };
    for (const w of [...this.workers.values()].sort((a, b) => peerOrder(a.node, b.node))) {
      if (!w.child) continue;
      while (w.frames.length < batch) {
        const f = pending();
        if (f === undefined) break;
        w.frames.push(f);
      }
    }
    const assign: Record<string, number[]> = {};
    for (const w of this.workers.values()) if (w.child) assign[w.token] = w.frames;
    this.work?.update({ assign });
    void this.sfReplaceAttribute('assigned', JSON.stringify(Object.fromEntries([...this.workers.values()].map((w) => [w.node, w.frames]))));
  }

  private onResult(p: ProviderEntry): void {
    const v = p.value as { node?: string; token?: string; results?: Record<string, string> };
    const w = v?.node ? this.workers.get(v.node) : undefined;
    if (!w || w.token !== v.token || !v.results) return;
    const fresh = Object.entries(v.results).filter(([f]) => !this.accepted[f] && w.frames.includes(Number(f)));
    if (!fresh.length) return;
    this.accepting = this.accepting.then(async () => {
      if (this.isTerminating) return;
      const now = fresh.filter(([f]) => !this.accepted[f] && w.frames.includes(Number(f)));
      for (const [f, hash] of now) this.accepted[f] = { hash, node: w.node, token: w.token, file: `f${f}-${w.token}.png` };
      if (!now.length) return;
      // Durable before it is reported: a frame is accepted once, across restarts.
      await this.sfReplaceAttribute('accepted', JSON.stringify(this.accepted));
      for (const [f, hash] of now) this.host.emit(this, 'farm', { what: 'frame-accepted', service: this.service, frame: Number(f), hash, node: w.node, token: w.token });
      if (Object.keys(this.accepted).length >= this.job.frames) this.complete();
      else this.assign();
    });
  }

  private complete(): void {
    if (this.isTerminating) return;
    this.done = true;
    const manifest = Object.fromEntries(Object.entries(this.accepted).map(([f, a]) => [f, a]));
    const file = join(this.outputDir(), 'manifest.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ service: this.service, job: this.job, frames: manifest }, null, 1));
    renameSync(`${file}.tmp`, file);
    for (const w of [...this.workers.values()]) this.endWorker(w, `${this.service} is complete`);
    this.demand?.update(this.demandValue());
    this.host.emit(this, 'farm', { what: 'service-complete', service: this.service, frames: this.job.frames, ms: Date.now() - this.startedAt });
  }
}

// --- the render worker ---------------------------------------------------------------------

/**
 * RenderWorker: runs on a node's peer (placed there by its manager). Renders the frames
 * assigned to its token, one at a time (giving the event loop a turn every few rows), writes
 * each as `<output>/f<frame>-<token>.png`, and publishes the hashes of what it rendered.
 *
 * Failure injection (for the demonstrator): the file `<inject>/<service>.<node>.crash` makes it
 * throw; `<inject>/<service>.<node>.hang` makes it stop rendering and stop answering pings.
 */
export class RenderWorker extends Prim {
  private job!: Job;
  private token = '';
  private nodeName = '';
  private assigned: number[] = [];
  private readonly results: Record<string, string> = {};
  private published?: PublishedState;
  private work?: Observation;
  private hung = false;
  private wake?: () => void;

  protected override async start(): Promise<void> {
    this.job = JSON.parse(this.resolveString('job')) as Job;
    this.token = this.resolveString('token');
    this.nodeName = this.resolveString('node');
    mkdirSync(this.resolveString('output'), { recursive: true });
    this.published = this.stateSpace.publish(`farm/result/${this.job.service}`, { node: this.nodeName, token: this.token, results: {} });
    this.work = this.stateSpace.observe(`farm/work/${this.job.service}`, {
      added: (p) => this.onWork(p),
      changed: (p) => this.onWork(p),
    });
    this.host.emit(this, 'farm', { what: 'worker-running', service: this.job.service, node: this.nodeName, token: this.token });
    this.watchInjections();
    this.background(() => this.renderLoop());
  }

  protected override async terminate(record: TerminationRecord): Promise<void> {
    this.work?.close();
    this.published?.withdraw();
    this.wake?.();
    this.host.emit(this, 'farm', { what: 'worker-stopped', service: this.job?.service, node: this.nodeName, token: this.token, reason: record.reason });
  }

  protected override async ping(): Promise<void> {
    if (this.hung) await new Promise<void>(() => undefined);
  }

  private onWork(p: ProviderEntry): void {
    const v = p.value as { assign?: Record<string, number[]> };
    this.assigned = v?.assign?.[this.token] ?? [];
    this.wake?.();
  }

  private watchInjections(): void {
    const dir = this.resolveString('inject', '');
    if (!dir) return;
    const base = join(dir, `${this.job.service}.${this.nodeName}`);
    const look = () => {
      if (this.isTerminating || this.hung) return;
      for (const kind of ['crash', 'hang'] as const) {
        const file = `${base}.${kind}`;
        if (!existsSync(file)) continue;
        try {
          unlinkSync(file);
        } catch {
          continue;
        }
        this.host.emit(this, 'farm', { what: 'injected', kind, service: this.job.service, node: this.nodeName, token: this.token });
        if (kind === 'crash') {
          void this.sfTerminate(abnormalRecord('injected crash: the render worker threw', this.path, new Error('injected crash')));
          return;
        }
        this.hung = true;
        return;
      }
      this.setTimer(look, 200);
    };
    look();
  }

  private async renderLoop(): Promise<void> {
    const frameMs = this.resolveNumber('frameMs', 0);
    while (!this.isTerminating) {
      const frame = this.hung ? undefined : this.assigned.find((f) => !(String(f) in this.results));
      if (frame === undefined) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.setTimer(resolve, 1000);
        });
        continue;
      }
      const began = Date.now();
      const rows = renderRows(this.job, frame);
      let png: Buffer | undefined;
      for (let n = 0; ; n++) {
        const r = rows.next();
        if (r.done) {
          png = r.value;
          break;
        }
        if (n % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
        if (this.isTerminating || this.hung) break;
      }
      if (!png || this.isTerminating || this.hung) continue;
      const wait = frameMs - (Date.now() - began);
      if (wait > 0) await new Promise((resolve) => this.setTimer(() => resolve(undefined), wait));
      if (this.isTerminating || this.hung) continue;
      const file = join(this.resolveString('output'), `f${frame}-${this.token}.png`);
      writeFileSync(`${file}.tmp`, png);
      renameSync(`${file}.tmp`, file);
      this.results[String(frame)] = sha256(png);
      this.published?.update({ node: this.nodeName, token: this.token, results: { ...this.results } });
    }
  }
}
