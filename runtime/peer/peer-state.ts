/**
 * What a peer publishes in the state space and what it watches there (docs/design/pipeline.md
 * "State space names"):
 *
 * - `PeerDirectory` observes `peer/<name>` for every peer it needs (placement targets, parents
 *   of subtrees it runs, members for `status`), and tells who is present, with which control
 *   address and epoch, and when one goes (its provider removed: deregistered, or its node out
 *   of the partition, within the group's detection bound B3).
 * - `LifecyclePublisher` publishes every component's lifecycle state as
 *   `app/<application>/<component path>` with the value
 *   `{state, peer, type, instance?, within?, record?, attributes?, refs?}` (`instance` on the
 *   root of a placed subtree, `within` on its other components; `refs`: the attributes that
 *   are LAZY references, published as their text); a terminal state is published and
 *   then the provider is withdrawn, so observers see how it ended before it goes.
 *   A lazy function, or a vector holding LAZY values, is published as its value evaluated
 *   on the owning peer when the component is published (each transition and attribute
 *   change), `null` if it cannot be evaluated then; a reference (top level) stays text so
 *   that readers on other peers resolve it live.
 */
import { Applied, Ref } from '../../core/values.js';
import type { Prim, RuntimeValue } from '../component/component.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { RuntimeEvent } from '../host/events.js';
import { LIFECYCLE_STATES, type TerminationRecord } from '../component/lifecycle.js';
import type { Observation, PublishedState, StateAccess, StateValue } from '../state/state-access.js';
import { resolveValue } from '../component/references.js';
import { toStateValue } from '../state/state-values.js';

export interface PeerEntry {
  name: string;
  id: number;
  epoch: number;
  /** The control address (`host:port`, or `mem:<name>` in process). */
  control: string;
  /** Live components on that peer. */
  load: number;
  /** The provider instance (changes when the peer restarts). */
  instance: string;
}

export type PeerWatcher = (event: 'present' | 'gone', entry: PeerEntry) => void;

function asPeerEntry(value: StateValue, instance: string): PeerEntry | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || typeof v.control !== 'string') return undefined;
  return { name: v.name, id: Number(v.id ?? -1), epoch: Number(v.epoch ?? 0), control: v.control, load: Number(v.load ?? 0), instance };
}

export class PeerDirectory {
  private readonly observations = new Map<string, Observation>();
  private readonly present = new Map<string, PeerEntry>();
  private readonly watchers = new Set<PeerWatcher>();

  constructor(
    private readonly state: StateAccess,
    private readonly clock: Clock,
  ) {}

  /** Starts observing `peer/<name>` (idempotent). */
  watch(name: string): void {
    if (this.observations.has(name)) return;
    const seen = (id: string, value: StateValue) => {
      const e = asPeerEntry(value, id);
      if (!e || e.name !== name) return;
      const before = this.present.get(name);
      this.present.set(name, e);
      if (!before || before.instance !== e.instance) for (const w of [...this.watchers]) w('present', e);
    };
    this.observations.set(
      name,
      this.state.observe(`peer/${name}`, {
        added: (p) => seen(p.id, p.value),
        changed: (p) => seen(p.id, p.value),
        removed: (p) => {
          const e = this.present.get(name);
          if (!e || e.instance !== p.id) return;
          this.present.delete(name);
          for (const w of [...this.watchers]) w('gone', e);
        },
      }),
    );
  }

  get(name: string): PeerEntry | undefined {
    return this.present.get(name);
  }

  entries(): PeerEntry[] {
    return [...this.present.values()];
  }

  onChange(watcher: PeerWatcher): () => void {
    this.watchers.add(watcher);
    return () => void this.watchers.delete(watcher);
  }

  /**
   * Resolves with the peer's entry once it is present; `progress(waitedMs)` every
   * `progressMs` while waiting; undefined after `timeoutMs` or when `cancelled()` turns true.
   */
  whenPresent(name: string, timeoutMs: number, progress?: (waitedMs: number) => void, progressMs = 5000, cancelled?: () => boolean): Promise<PeerEntry | undefined> {
    this.watch(name);
    const now = this.present.get(name);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const started = this.clock.now();
      let tick: TimerHandle | undefined;
      let done = false;
      const finish = (e: PeerEntry | undefined) => {
        if (done) return;
        done = true;
        off();
        tick?.cancel();
        resolve(e);
      };
      const off = this.onChange((event, e) => {
        if (event === 'present' && e.name === name) finish(e);
      });
      const step = () => {
        if (done) return;
        const waited = this.clock.now() - started;
        if (cancelled?.()) return finish(undefined);
        if (waited >= timeoutMs) return finish(this.present.get(name));
        if (waited > 0) progress?.(waited);
        tick = this.clock.setTimeout(step, Math.min(progressMs, timeoutMs - waited));
      };
      step();
    });
  }

  close(): void {
    for (const o of this.observations.values()) o.close();
    this.observations.clear();
    this.present.clear();
    this.watchers.clear();
  }
}

/** Where a component is published: its application and its complete path in that application. */
export interface PublicLocation {
  app: string;
  path: string;
  /** The instance id of the remote subtree it belongs to, for the subtree's root. */
  instance?: string;
  /** For the other components of a placed subtree: the instance of the subtree they belong to. */
  within?: string;
}

const LIFECYCLE: ReadonlySet<string> = new Set(LIFECYCLE_STATES);
const MAX_PUBLISHED_ATTRIBUTES = 64;

/**
 * The attributes of a component as plain data: LAZY references (top level) as their text,
 * lazy functions and vectors holding LAZY values evaluated here, now (null when that fails).
 */
export function publishedAttributes(c: Prim): Record<string, StateValue> {
  const out: Record<string, StateValue> = {};
  let n = 0;
  for (const name of c.attributeNames()) {
    if (name.startsWith('frog') || n++ >= MAX_PUBLISHED_ATTRIBUTES) continue;
    const v = c.rawAttribute(name);
    if (v === undefined) continue;
    Object.defineProperty(out, name, { value: toStateValue(evaluatedHere(c, v)), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function holdsLazy(v: RuntimeValue): boolean {
  return (v instanceof Applied && !v.data) || (Array.isArray(v) && v.some((x) => (x instanceof Ref || x instanceof Applied) && !x.data));
}

/** A lazy function or a vector with LAZY values, evaluated on its component; anything else as it is. */
function evaluatedHere(c: Prim, v: RuntimeValue): RuntimeValue {
  if (!holdsLazy(v)) return v;
  try {
    return resolveValue(v, c, c);
  } catch {
    return null;
  }
}

export class LifecyclePublisher {
  private readonly published = new Map<Prim, { state: PublishedState; location: PublicLocation }>();
  /** Values that could not be published (too large even without attributes). */
  failures = 0;

  constructor(
    private readonly state: StateAccess,
    private readonly peer: string,
    private readonly locate: (c: Prim) => PublicLocation | undefined,
    private readonly skip: (c: Prim) => boolean = () => false,
  ) {}

  /** The number of components published (the peer's load). */
  get size(): number {
    return this.published.size;
  }

  onTransition(e: RuntimeEvent, c: Prim): void {
    if (!LIFECYCLE.has(e.event) || this.skip(c)) return;
    const known = this.published.get(c);
    const location = known?.location ?? this.locate(c);
    if (!location) return;
    const value = this.valueOf(c, e.event, location, e.record);
    try {
      if (known) known.state.update(value);
      else this.published.set(c, { state: this.publishSafely(`app/${location.app}/${location.path}`, value, c, e.event, location), location });
    } catch {
      this.failures++;
    }
    if (e.event === 'terminated' || e.event === 'failed') {
      this.published.get(c)?.state.withdraw();
      this.published.delete(c);
    }
  }

  /** A live attribute changed: observers (remote proxies, references) see the new value. */
  onAttributeChange(c: Prim): void {
    const known = this.published.get(c);
    if (!known || known.state.withdrawn) return;
    try {
      known.state.update(this.valueOf(c, c.state, known.location, c.record));
    } catch {
      try {
        known.state.update(this.valueOf(c, c.state, known.location, c.record, false));
      } catch {
        this.failures++;
      }
    }
  }

  private publishSafely(name: string, value: StateValue, c: Prim, stateName: string, location: PublicLocation): PublishedState {
    try {
      return this.state.publish(name, value);
    } catch {
      // Too large with its attributes: the lifecycle state alone.
      return this.state.publish(name, this.valueOf(c, stateName, location, c.record, false));
    }
  }

  private valueOf(c: Prim, stateName: string, location: PublicLocation, record?: TerminationRecord, withAttributes = true): StateValue {
    const v: Record<string, StateValue> = { state: stateName, peer: this.peer, type: c.type };
    if (location.instance) v.instance = location.instance;
    if (location.within) v.within = location.within;
    if (record) v.record = { type: record.type, reason: record.reason, path: record.path, ...(record.cause ? { cause: { ...record.cause } } : {}) };
    if (withAttributes) {
      const attributes = publishedAttributes(c);
      v.attributes = attributes;
      // Which published attributes are LAZY references (published as their text), so that a
      // reference from another peer resolves them where they are (runtime/references.ts).
      const refs = Object.keys(attributes).filter((n) => {
        const raw = c.rawAttribute(n);
        return raw instanceof Ref && !raw.data;
      });
      if (refs.length) v.refs = refs;
    }
    return v;
  }

  /** Withdraws everything (the peer stops). */
  close(): void {
    for (const { state } of this.published.values()) state.withdraw();
    this.published.clear();
  }
}
