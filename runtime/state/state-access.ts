/**
 * The state space as components see it (docs/design/pipeline.md §5.5, docs/design/group.md §2.4): a
 * narrow interface that a ComponentHost offers to its components, with two implementations.
 *
 * - `GroupStateAccess` adapts the heartbeat group's `StateSpace` (runtime/group): a peer
 *   gives its host one over its group member's state space.
 * - `LocalStateAccess` is an in-process state space with the same semantics, for `frog run`
 *   and for tests.
 *
 * Contract (both implementations):
 * - `publish(name, value)` makes one provider of `name` visible to every observer of `name`;
 *   `update(value)` replaces its value, `withdraw()` removes it (idempotent). Updating a
 *   withdrawn state throws a StateAccessError (SF4604).
 * - `observe(name, handlers)` reports every provider of `name`: `added` once when it becomes
 *   visible (including the providers already there), `changed` for each later value,
 *   `removed` when it is withdrawn or its peer leaves the partition. Handlers are never called
 *   inside `publish`, `update`, `withdraw` or `observe` themselves, always later and in order;
 *   after `close()` none is called.
 * - A provider entry carries a stable id (the same from `added` to `removed`; in the group,
 *   `<node>/<epoch>/<counter>`, so it survives a partition and its merge), the value and the
 *   provider's time stamp. Entries are fresh objects: holding one does not see later changes.
 * - Names are non-empty Strings of at most 1024 characters (SF4602); values are plain data
 *   that msgpack can encode, at most 64 KiB encoded (SF4603). Both checks throw synchronously
 *   and publish nothing.
 */
import { pack } from 'msgpackr';
import { FrogError } from '../../core/errors.js';
import { Messages, type MessageEntry } from '../../core/messages/index.js';
import { DEFAULT_MAX_VALUE_BYTES, Listener, Provider, ValueNotEncodableError, ValueTooLargeError, type ObservedValue, type StateSpace } from '../group/state-space.js';

/** Plain data as msgpack carries it: null, booleans, numbers, strings, bytes, arrays, plain objects. */
export type StateValue = unknown;

export interface ProviderEntry {
  /** Stable for as long as the provider stays visible, and across a partition and its merge. */
  readonly id: string;
  readonly name: string;
  readonly value: StateValue;
  /** The provider's time stamp of this value (epoch ms); for a removal, when it went. */
  readonly time: number;
}

export interface ObservationHandlers {
  added?(provider: ProviderEntry): void;
  changed?(provider: ProviderEntry): void;
  removed?(provider: ProviderEntry): void;
}

export interface Observation {
  readonly name: string;
  /** The providers visible now, in the order they appeared. */
  providers(): ProviderEntry[];
  /** Stops observing; no handler is called afterwards. Idempotent. */
  close(): void;
}

export interface PublishedState {
  readonly name: string;
  /** The provider id observers see. */
  readonly id: string;
  readonly withdrawn: boolean;
  update(value: StateValue): void;
  withdraw(): void;
}

export interface StateAccess {
  publish(name: string, value: StateValue): PublishedState;
  observe(name: string, handlers: ObservationHandlers): Observation;
}

/** A bad name, a value that cannot be published, or an update after withdrawal. */
export class StateAccessError extends FrogError {
  constructor(entry: MessageEntry, params: Record<string, unknown>) {
    super(entry, params);
    this.name = 'StateAccessError';
  }
}

export const MAX_STATE_NAME_LENGTH = 1024;

/** Throws SF4602 for a name the group's wire format would refuse. */
export function checkStateName(name: unknown): asserts name is string {
  let reason = '';
  if (typeof name !== 'string') reason = 'it is not a String';
  else if (name.length === 0) reason = 'it is empty';
  else if (name.length > MAX_STATE_NAME_LENGTH) reason = `it has ${name.length} characters, more than ${MAX_STATE_NAME_LENGTH}`;
  if (reason) throw new StateAccessError(Messages.BadStateName, { name: String(name).slice(0, 80), reason });
}

function badValue(name: string, reason: string): StateAccessError {
  return new StateAccessError(Messages.BadStateValue, { name, reason });
}

/** Why a value is not plain data (null, Boolean, number, bigint, String, bytes, array, plain object), or ''. */
function notPlain(v: unknown, depth: number): string {
  if (depth > 64) return 'it is nested more than 64 levels deep';
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) return '';
  if (Array.isArray(v)) {
    for (const x of v) {
      const why = notPlain(x, depth + 1);
      if (why) return why;
    }
    return '';
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return `it contains a ${(v as object).constructor?.name ?? 'non-plain'} object, not plain data`;
    for (const x of Object.values(v as Record<string, unknown>)) {
      const why = notPlain(x, depth + 1);
      if (why) return why;
    }
    return '';
  }
  return `it contains a ${typeof v}, not plain data`;
}

/** Throws SF4603 when the value is not plain data, does not encode, or encodes to more than the limit. */
export function checkStateValue(name: string, value: StateValue, maxBytes = DEFAULT_MAX_VALUE_BYTES): void {
  const why = notPlain(value, 0);
  if (why) throw badValue(name, why);
  let size: number;
  try {
    size = pack(value).length;
  } catch (e) {
    throw badValue(name, e instanceof Error ? e.message : String(e));
  }
  if (size > maxBytes) throw badValue(name, `it encodes to ${size} bytes, more than the limit of ${maxBytes}`);
}

function withdrawnError(name: string): StateAccessError {
  return new StateAccessError(Messages.StateWithdrawn, { name });
}

// --- in-process ------------------------------------------------------------------------

export interface LocalStateAccessOptions {
  /** Prefix of provider ids (default `local`): ids are `<prefix>/<counter>`. */
  idPrefix?: string;
  /** Time stamps (default Date.now). */
  now?: () => number;
  /** Runs an upcall later, in order (default: a FIFO drained in a microtask). */
  schedule?: (upcall: () => void) => void;
  maxValueBytes?: number;
}

interface LocalProvider {
  id: string;
  name: string;
  value: StateValue;
  time: number;
}

class LocalObservation implements Observation {
  /** What this observer has been told, in order of appearance. */
  readonly seen = new Map<string, ProviderEntry>();
  closed = false;

  constructor(
    readonly name: string,
    private readonly handlers: ObservationHandlers,
    private readonly owner: LocalStateAccess,
  ) {}

  providers(): ProviderEntry[] {
    return [...this.seen.values()];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.seen.clear();
    this.owner.forget(this);
  }

  /** @internal */ deliver(p: LocalProvider): void {
    if (this.closed) return;
    const entry: ProviderEntry = { id: p.id, name: p.name, value: p.value, time: p.time };
    const had = this.seen.has(p.id);
    this.seen.set(p.id, entry);
    if (had) this.handlers.changed?.(entry);
    else this.handlers.added?.(entry);
  }

  /** @internal */ deliverRemoval(id: string, time: number): void {
    if (this.closed) return;
    const was = this.seen.get(id);
    if (!was) return;
    this.seen.delete(id);
    this.handlers.removed?.({ id, name: was.name, value: null, time });
  }
}

/**
 * The state space of one process. Every upcall is queued and runs later, in the order the
 * changes happened, so observers see the same sequence a group listener would.
 */
export class LocalStateAccess implements StateAccess {
  private readonly providersByName = new Map<string, Map<string, LocalProvider>>();
  private readonly observers = new Map<string, Set<LocalObservation>>();
  private readonly idPrefix: string;
  private readonly now: () => number;
  private readonly maxValueBytes: number;
  private readonly scheduleRaw?: (upcall: () => void) => void;
  private readonly queue: (() => void)[] = [];
  private draining = false;
  private counter = 0;
  /** Upcalls that threw (they never break the state space). */
  upcallErrors = 0;

  constructor(options: LocalStateAccessOptions = {}) {
    this.idPrefix = options.idPrefix ?? 'local';
    this.now = options.now ?? Date.now;
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.scheduleRaw = options.schedule;
  }

  publish(name: string, value: StateValue): PublishedState {
    checkStateName(name);
    checkStateValue(name, value, this.maxValueBytes);
    const p: LocalProvider = { id: `${this.idPrefix}/${++this.counter}`, name, value, time: this.now() };
    let set = this.providersByName.get(name);
    if (!set) this.providersByName.set(name, (set = new Map()));
    set.set(p.id, p);
    this.announce(p);
    let withdrawn = false;
    const access = this;
    return {
      name,
      id: p.id,
      get withdrawn() {
        return withdrawn;
      },
      update(v: StateValue): void {
        if (withdrawn) throw withdrawnError(name);
        checkStateValue(name, v, access.maxValueBytes);
        p.value = v;
        p.time = access.now();
        access.announce(p);
      },
      withdraw(): void {
        if (withdrawn) return;
        withdrawn = true;
        const byName = access.providersByName.get(name);
        byName?.delete(p.id);
        if (byName?.size === 0) access.providersByName.delete(name);
        const time = access.now();
        for (const o of access.observers.get(name) ?? []) access.later(() => o.deliverRemoval(p.id, time));
      },
    };
  }

  observe(name: string, handlers: ObservationHandlers): Observation {
    checkStateName(name);
    const o = new LocalObservation(name, handlers, this);
    let set = this.observers.get(name);
    if (!set) this.observers.set(name, (set = new Set()));
    set.add(o);
    for (const p of this.providersByName.get(name)?.values() ?? []) {
      const snapshot = { ...p };
      this.later(() => o.deliver(snapshot));
    }
    return o;
  }

  /** @internal */ forget(o: LocalObservation): void {
    const set = this.observers.get(o.name);
    set?.delete(o);
    if (set?.size === 0) this.observers.delete(o.name);
  }

  private announce(p: LocalProvider): void {
    const snapshot = { ...p };
    for (const o of this.observers.get(p.name) ?? []) this.later(() => o.deliver(snapshot));
  }

  private later(upcall: () => void): void {
    const guarded = () => {
      try {
        upcall();
      } catch {
        this.upcallErrors++;
      }
    };
    if (this.scheduleRaw) {
      this.scheduleRaw(guarded);
      return;
    }
    this.queue.push(guarded);
    if (this.draining) return;
    this.draining = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    // Upcalls that publish queue more, which run in this loop too; past a bound the rest
    // waits for the next turn of the event loop, so a feedback loop cannot starve the process.
    for (let n = 0; n < 10_000 && this.queue.length; n++) this.queue.shift()!();
    if (this.queue.length) setImmediate(() => this.drain());
    else this.draining = false;
  }
}

// --- over the heartbeat group ----------------------------------------------------------

/**
 * The group's state space behind the StateAccess contract: `publish` registers a Provider,
 * `observe` a Listener. The group tells a listener only `newValue`/`removeValue`; `added` and
 * `changed` are told apart by whether the provider's instance is already visible.
 */
export class GroupStateAccess implements StateAccess {
  constructor(readonly space: StateSpace) {}

  publish(name: string, value: StateValue): PublishedState {
    checkStateName(name);
    const provider = new Provider(name, this.space.maxValueBytes);
    checkStateValue(name, value, this.space.maxValueBytes);
    setProviderValue(provider, value);
    this.space.registerProvider(provider);
    const space = this.space;
    let withdrawn = false;
    return {
      name,
      get id() {
        return provider.instance;
      },
      get withdrawn() {
        return withdrawn;
      },
      update(v: StateValue): void {
        if (withdrawn) throw withdrawnError(name);
        checkStateValue(name, v, space.maxValueBytes);
        setProviderValue(provider, v);
      },
      withdraw(): void {
        if (withdrawn) return;
        withdrawn = true;
        space.deregisterProvider(provider);
      },
    };
  }

  observe(name: string, handlers: ObservationHandlers): Observation {
    checkStateName(name);
    const seen = new Map<string, ProviderEntry>();
    let closed = false;
    const entry = (v: ObservedValue): ProviderEntry => ({ id: v.instance, name: v.name, value: v.value, time: v.time });
    const listener = new Listener(name, {
      newValue: (v) => {
        if (closed) return;
        const had = seen.has(v.instance);
        const e = entry(v);
        seen.set(v.instance, e);
        if (had) handlers.changed?.(e);
        else handlers.added?.(e);
      },
      removeValue: (v) => {
        if (closed || !seen.delete(v.instance)) return;
        handlers.removed?.(entry(v));
      },
    });
    this.space.registerListener(listener);
    const space = this.space;
    return {
      name,
      providers: () => [...seen.values()],
      close(): void {
        if (closed) return;
        closed = true;
        seen.clear();
        space.deregisterListener(listener);
      },
    };
  }
}

/** Provider.setValue with the group's errors turned into SF4603. */
function setProviderValue(provider: Provider, value: StateValue): void {
  try {
    provider.setValue(value);
  } catch (e) {
    if (e instanceof ValueTooLargeError) throw badValue(provider.name, `it encodes to ${e.size} bytes, more than the limit of ${e.limit}`);
    if (e instanceof ValueNotEncodableError) throw badValue(provider.name, e.message);
    throw e;
  }
}
