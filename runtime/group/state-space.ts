/**
 * The state space (docs/design/group.md §2.4, §3): providers publish named state, listeners observe every provider
 * of a name in their partition. Deterministic like the heartbeat machine: it is told the partition view
 * (`onPartition`), the messages that arrive (`receive`) and the time (`tick`, and an injected `now`
 * for the user API); it sends through an injected `send` and hands user upcalls to an injected
 * `schedule`, so no upcall runs inside a network handler.
 *
 * Flow: the first local provider (listener) of a name registers the *node* with the leader's global
 * register; the leader tells each provider node which listener nodes match (`addL`); provider nodes send
 * values straight to listener nodes, and every later `setValue` goes the same way. Registrations are
 * only processed while stable: on stability every node waits a random delay in [0, J) and re-registers
 * everything with the (possibly new) leader. Each registration carries the sender's time reference; the
 * leader holds those that arrive before it has itself become stable with that reference, so none is
 * lost to the race between members reaching the same deadline.
 */
import { pack } from 'msgpackr';
import { FrogError } from '../../core/errors.js';
import { Messages } from '../../core/messages/index.js';
import type { PartitionView } from './heartbeat-machine.js';

export type Value = unknown;

export interface ObservedValue {
  name: string;
  /** `"<nodeId>/<epoch>/<counter>"`, unique per registration. */
  instance: string;
  /** The provider's time stamp of this value; for a removal, its deregistration time or our detection time. */
  time: number;
  value: Value | null;
}

export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

export class ValueTooLargeError extends FrogError {
  constructor(readonly providerName: string, readonly size: number, readonly limit: number) {
    super(Messages.ValueTooLarge, { provider: providerName, size, limit });
    this.name = 'ValueTooLargeError';
  }
}

export class ValueNotEncodableError extends FrogError {
  constructor(readonly providerName: string, reason: string) {
    super(Messages.ValueNotEncodable, { provider: providerName, reason });
    this.name = 'ValueNotEncodableError';
  }
}

/** Publishes one named value. `setValue` may be called before or after registration. */
export class Provider {
  private current: Value | null = null;
  private stamp = 0;
  /** @internal */ seq = 0;
  /** @internal */ instanceId = '';
  /** @internal */ space: StateSpace | null = null;

  constructor(readonly name: string, private readonly maxValueBytes = DEFAULT_MAX_VALUE_BYTES) {}

  get value(): Value | null {
    return this.current;
  }

  get time(): number {
    return this.stamp;
  }

  get instance(): string {
    return this.instanceId;
  }

  /** Throws ValueTooLargeError (synchronously, nothing sent) when the encoding exceeds the limit. */
  setValue(v: Value | null): void {
    let size: number;
    try {
      size = pack(v).length;
    } catch (e) {
      throw new ValueNotEncodableError(this.name, e instanceof Error ? e.message : String(e));
    }
    const limit = this.space?.maxValueBytes ?? this.maxValueBytes;
    if (size > limit) throw new ValueTooLargeError(this.name, size, limit);
    this.current = v;
    this.seq++;
    if (this.space) {
      this.stamp = this.space.now();
      this.space.publish(this);
    }
  }

  /** @internal */ stampAt(t: number): void {
    this.stamp = t;
  }
}

export interface ListenerHandlers {
  newValue?(v: ObservedValue): void;
  removeValue?(v: ObservedValue): void;
}

/**
 * Observes every provider of `name`. Subclass and override `newValue`/`removeValue`, or pass handlers.
 * The same ObservedValue object is reused for a provider while it stays visible.
 */
export class Listener {
  /** @internal */ readonly held = new Map<string, ObservedValue>();
  private newest = 0;

  constructor(readonly name: string, private readonly handlers: ListenerHandlers = {}) {}

  newValue(v: ObservedValue): void {
    this.handlers.newValue?.(v);
  }

  removeValue(v: ObservedValue): void {
    this.handlers.removeValue?.(v);
  }

  values(): Iterable<ObservedValue> {
    return this.held.values();
  }

  size(): number {
    return this.held.size;
  }

  /** The newest provider time stamp this listener has seen. */
  updateTime(): number {
    return this.newest;
  }

  /** @internal */ noteTime(t: number): void {
    if (t > this.newest) this.newest = t;
  }
}

export interface StabilityListener {
  stability(isStable: boolean, timeRef: number): void;
}

/** Messages between state spaces. Append-only: the `k` tags keep their meaning. */
export type StateMessage =
  | { k: 'regP' | 'deregP'; name: string; node: number; ref: number }
  | { k: 'regL' | 'deregL'; name: string; node: number; rid: number; ref: number }
  | { k: 'addL' | 'remL'; name: string; node: number; rid: number }
  | { k: 'val'; name: string; inst: string; time: number; seq: number; value: Value }
  | { k: 'gone'; name: string; inst: string; time: number };

type GlobalMessage = Extract<StateMessage, { ref: number }>;

/** Schema check of a message from the network; anything else is dropped. */
export function isStateMessage(m: unknown): m is StateMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  const str = (x: unknown) => typeof x === 'string' && x.length > 0 && x.length <= 1024;
  const int = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x);
  if (!str(o.name)) return false;
  switch (o.k) {
    case 'regP':
    case 'deregP':
      return int(o.node) && int(o.ref);
    case 'regL':
    case 'deregL':
      return int(o.node) && int(o.rid) && int(o.ref);
    case 'addL':
    case 'remL':
      return int(o.node) && int(o.rid);
    case 'val':
      return str(o.inst) && int(o.time) && int(o.seq) && 'value' in o;
    case 'gone':
      return str(o.inst) && int(o.time);
    default:
      return false;
  }
}

export interface StateSpaceOptions {
  self: number;
  epoch: number;
  now: () => number;
  random?: () => number;
  /** J: maximum re-registration delay (ms). */
  reregisterDelay: number;
  maxValueBytes?: number;
  send: (to: number, message: StateMessage) => void;
  /** Runs a user upcall later, outside the current handler, in order. */
  schedule: (upcall: () => void) => void;
}

interface Observed {
  node: number;
  seq: number;
  time: number;
  value: Value | null;
}

const MAX_PENDING = 10_000;

export class StateSpace {
  readonly maxValueBytes: number;
  readonly now: () => number;
  /** Upcalls that threw; upcalls slower than 200 ms (anubis_upcall_slow_total). */
  readonly counters = { upcallErrors: 0, upcallSlow: 0, messagesDropped: 0 };

  private readonly self: number;
  private readonly epoch: number;
  private readonly random: () => number;
  private readonly j: number;
  private readonly sendRaw: (to: number, message: StateMessage) => void;
  private readonly scheduleRaw: (upcall: () => void) => void;

  private view: PartitionView;
  private instanceCounter = 0;
  private ridCounter = 0;
  private reregisterAt = -1;

  private readonly providers = new Map<string, Set<Provider>>();
  private readonly bindings = new Map<string, Map<number, number>>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly listenerRid = new Map<string, number>();
  private readonly observed = new Map<string, Map<string, Observed>>();
  private readonly stabilityListeners = new Set<StabilityListener>();
  private reportedStability: { stable: boolean; timeRef: number };

  private readonly global = new Map<string, { providers: Set<number>; listeners: Map<number, number> }>();
  private pending: (GlobalMessage & { from: number })[] = [];

  constructor(options: StateSpaceOptions) {
    this.self = options.self;
    this.epoch = options.epoch;
    this.now = options.now;
    this.random = options.random ?? Math.random;
    this.j = options.reregisterDelay;
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.sendRaw = options.send;
    this.scheduleRaw = options.schedule;
    this.view = { members: [options.self], stable: false, timeRef: -1, leader: options.self };
    this.reportedStability = { stable: false, timeRef: -1 };
  }

  // --- the user API (the Locator of docs/design/group.md §3) -------------------------------------------

  /** The names this member provides a value for, sorted (for an operator's view). */
  providedNames(): string[] {
    return [...this.providers.keys()].sort();
  }

  registerProvider(p: Provider): void {
    if (p.space) return;
    p.space = this;
    p.instanceId = `${this.self}/${this.epoch}/${++this.instanceCounter}`;
    p.stampAt(this.now());
    let set = this.providers.get(p.name);
    const first = !set;
    if (!set) this.providers.set(p.name, (set = new Set()));
    set.add(p);
    if (first) this.toLeader({ k: 'regP', name: p.name, node: this.self, ref: this.view.timeRef });
    else this.publish(p);
  }

  deregisterProvider(p: Provider): void {
    const set = this.providers.get(p.name);
    if (p.space !== this || !set) return;
    set.delete(p);
    p.space = null;
    const time = this.now();
    const bound = this.bindings.get(p.name);
    if (bound) for (const node of bound.keys()) this.send(node, { k: 'gone', name: p.name, inst: p.instanceId, time });
    if (set.size === 0) {
      this.providers.delete(p.name);
      this.bindings.delete(p.name);
      this.toLeader({ k: 'deregP', name: p.name, node: this.self, ref: this.view.timeRef });
    }
  }

  registerListener(l: Listener): void {
    let set = this.listeners.get(l.name);
    if (set?.has(l)) return;
    const first = !set;
    if (!set) this.listeners.set(l.name, (set = new Set()));
    set.add(l);
    if (first) {
      const rid = ++this.ridCounter;
      this.listenerRid.set(l.name, rid);
      this.toLeader({ k: 'regL', name: l.name, node: this.self, rid, ref: this.view.timeRef });
    } else {
      // Providers already known to this node: the new listener sees them at once.
      for (const [inst, o] of this.observed.get(l.name) ?? []) this.upcallNew(l, inst, o);
    }
  }

  deregisterListener(l: Listener): void {
    const set = this.listeners.get(l.name);
    if (!set?.delete(l)) return;
    l.held.clear();
    if (set.size > 0) return;
    this.listeners.delete(l.name);
    const rid = this.listenerRid.get(l.name) ?? 0;
    this.listenerRid.delete(l.name);
    const nodes = new Set([...(this.observed.get(l.name)?.values() ?? [])].map((o) => o.node));
    this.observed.delete(l.name);
    for (const node of nodes) this.send(node, { k: 'remL', name: l.name, node: this.self, rid });
    this.toLeader({ k: 'deregL', name: l.name, node: this.self, rid, ref: this.view.timeRef });
  }

  /** An immediate upcall with the current state, then one per change. */
  registerStability(s: StabilityListener): void {
    this.stabilityListeners.add(s);
    const { stable, timeRef } = this.reportedStability;
    this.upcall(() => s.stability(stable, timeRef));
  }

  deregisterStability(s: StabilityListener): void {
    this.stabilityListeners.delete(s);
  }

  // --- inputs from the group ------------------------------------------------------------------

  onPartition(view: PartitionView, now: number): void {
    const wasStable = this.view.stable;
    const oldRef = this.view.timeRef;
    this.view = { ...view, members: [...view.members] };
    const members = new Set(view.members);
    // Providers on nodes that left: removeValue at once, stamped with our detection time (B3).
    for (const [name, insts] of this.observed) {
      for (const [inst, o] of insts) {
        if (members.has(o.node)) continue;
        insts.delete(inst);
        for (const l of this.listeners.get(name) ?? []) this.upcallRemove(l, name, inst, now);
      }
    }
    for (const bound of this.bindings.values()) for (const node of [...bound.keys()]) if (!members.has(node)) bound.delete(node);
    if (!view.stable) {
      this.global.clear();
      this.reregisterAt = -1;
    } else if (!wasStable || oldRef !== view.timeRef) {
      this.global.clear();
      if (view.leader === this.self) {
        const held = this.pending;
        this.pending = [];
        for (const m of held) if (m.ref === view.timeRef) this.handleGlobal(m.from, m);
      }
      this.reregisterAt = now + Math.floor(this.random() * this.j);
    }
    const s = { stable: view.stable, timeRef: view.stable ? view.timeRef : -1 };
    if (s.stable !== this.reportedStability.stable || s.timeRef !== this.reportedStability.timeRef) {
      this.reportedStability = s;
      for (const l of this.stabilityListeners) this.upcall(() => l.stability(s.stable, s.timeRef));
    }
  }

  receive(from: number, message: unknown, _now: number): void {
    if (!isStateMessage(message) || !this.view.members.includes(from)) {
      this.counters.messagesDropped++;
      return;
    }
    const m = message;
    switch (m.k) {
      case 'regP':
      case 'deregP':
      case 'regL':
      case 'deregL':
        if (this.view.stable && this.view.leader === this.self && m.ref === this.view.timeRef) this.handleGlobal(from, m);
        else if (m.ref !== -1 && m.ref !== this.view.timeRef && this.pending.length < MAX_PENDING) this.pending.push({ ...m, from });
        else this.counters.messagesDropped++;
        return;
      case 'addL': {
        if (!this.view.members.includes(m.node)) return;
        let bound = this.bindings.get(m.name);
        if (!bound) this.bindings.set(m.name, (bound = new Map()));
        const had = bound.get(m.node);
        if (had === undefined || m.rid >= had) bound.set(m.node, m.rid);
        for (const p of this.providers.get(m.name) ?? []) this.send(m.node, this.valueMessage(p));
        return;
      }
      case 'remL': {
        const bound = this.bindings.get(m.name);
        const had = bound?.get(m.node);
        if (bound && had !== undefined && had <= m.rid) bound.delete(m.node);
        return;
      }
      case 'val': {
        const ls = this.listeners.get(m.name);
        if (!ls) return;
        let insts = this.observed.get(m.name);
        if (!insts) this.observed.set(m.name, (insts = new Map()));
        const o = insts.get(m.inst);
        if (o && m.seq <= o.seq) return;
        const entry = { node: from, seq: m.seq, time: m.time, value: m.value };
        insts.set(m.inst, entry);
        for (const l of ls) this.upcallNew(l, m.inst, entry);
        return;
      }
      case 'gone': {
        const insts = this.observed.get(m.name);
        if (!insts?.delete(m.inst)) return;
        for (const l of this.listeners.get(m.name) ?? []) this.upcallRemove(l, m.name, m.inst, m.time);
        return;
      }
    }
  }

  nextWakeup(): number {
    return this.reregisterAt;
  }

  tick(now: number): void {
    // A re-registration is due within the jitter `j`; one further off means the clock was stepped back.
    if (this.reregisterAt - now > this.j) this.reregisterAt = now;
    if (this.reregisterAt < 0 || now < this.reregisterAt) return;
    this.reregisterAt = -1;
    const ref = this.view.timeRef;
    for (const name of this.providers.keys()) this.send(this.view.leader, { k: 'regP', name, node: this.self, ref });
    for (const [name, rid] of this.listenerRid) this.send(this.view.leader, { k: 'regL', name, node: this.self, rid, ref });
  }

  /** @internal Called by Provider.setValue: the new value goes straight to every bound listener node. */
  publish(p: Provider): void {
    const bound = this.bindings.get(p.name);
    if (!bound || !this.providers.get(p.name)?.has(p)) return;
    const msg = this.valueMessage(p);
    for (const node of bound.keys()) this.send(node, msg);
  }

  // --- internals ------------------------------------------------------------------------------

  private valueMessage(p: Provider): StateMessage {
    return { k: 'val', name: p.name, inst: p.instanceId, time: p.time, seq: p.seq, value: p.value };
  }

  private send(to: number, m: StateMessage): void {
    this.sendRaw(to, m);
  }

  /** Messages to the global register go only while stable, and only after the re-registration delay. */
  private toLeader(m: StateMessage): void {
    if (this.view.stable && this.reregisterAt < 0) this.send(this.view.leader, m);
  }

  private handleGlobal(from: number, m: GlobalMessage): void {
    if (m.node !== from) return;
    let g = this.global.get(m.name);
    if (!g) this.global.set(m.name, (g = { providers: new Set(), listeners: new Map() }));
    switch (m.k) {
      case 'regP':
        g.providers.add(m.node);
        for (const [lnode, rid] of g.listeners) this.send(m.node, { k: 'addL', name: m.name, node: lnode, rid });
        break;
      case 'deregP':
        g.providers.delete(m.node);
        break;
      case 'regL':
        g.listeners.set(m.node, m.rid);
        for (const pnode of g.providers) this.send(pnode, { k: 'addL', name: m.name, node: m.node, rid: m.rid });
        break;
      case 'deregL':
        if ((g.listeners.get(m.node) ?? 0) <= m.rid) g.listeners.delete(m.node);
        break;
    }
    if (g.providers.size === 0 && g.listeners.size === 0) this.global.delete(m.name);
  }

  private upcallNew(l: Listener, inst: string, o: Observed): void {
    const value = o.value;
    const time = o.time;
    this.upcall(() => {
      if (!this.listeners.get(l.name)?.has(l)) return;
      let v = l.held.get(inst);
      if (!v) l.held.set(inst, (v = { name: l.name, instance: inst, time, value }));
      else {
        v.time = time;
        v.value = value;
      }
      l.noteTime(time);
      l.newValue(v);
    });
  }

  private upcallRemove(l: Listener, name: string, inst: string, time: number): void {
    this.upcall(() => {
      const v = l.held.get(inst);
      if (!v) return;
      l.held.delete(inst);
      v.value = null;
      v.time = time;
      l.removeValue(v);
    });
  }

  /** User code never kills the service; slow upcalls are counted. */
  private upcall(fn: () => void): void {
    this.scheduleRaw(() => {
      const started = performance.now();
      try {
        fn();
      } catch {
        this.counters.upcallErrors++;
      }
      if (performance.now() - started > 200) this.counters.upcallSlow++;
    });
  }
}
