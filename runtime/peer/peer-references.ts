/**
 * LAZY references across peers (docs/design/pipeline.md §5): the
 * `RemoteTree` a peer binds to its host, so that run-time resolution (runtime/references.ts)
 * continues past the part of an application this peer runs.
 *
 * - Down: the child `x` of a `RemoteSubtree` proxy is the place `<proxy path>:x`, restricted to
 *   the proxy's current instance (a copy its parent has replaced is never read).
 * - Up: the parent of the root of a subtree placed here is the place of its parent path, in
 *   the application it belongs to (both known from the subtree's name, placement.ts).
 * - A place is read from `app/<application>/<path>`, which every component publishes with its
 *   state and attributes (peer-state.ts): no traffic is added per component, only listeners
 *   for the places references actually reach. Each place is observed from its first read on,
 *   so later reads see the current value, and a redeployed or recovered component (a new
 *   provider of the same name) replaces the old one as soon as it is published.
 * - A place this peer runs itself is continued on the live component instead.
 *
 * Reads never wait (resolution is synchronous): a place with no live provider gives the
 * reason, which the reference reports as SF4410. So that a component's first reads find their
 * values, `prepare` runs its references once before it starts and waits (up to `prepareMs`)
 * for the places they reach to become visible.
 *
 * Bounds: at most `maxWatched` places are observed (the least recently read is dropped), and
 * a place not read for `idleMs` stops being observed.
 */
import { Ref, type Value } from '../../core/values.js';
import type { Clock } from '../../core/clock.js';
import type { Prim } from '../component/component.js';
import type { ComponentHost } from '../host/host.js';
import { RemoteSubtree, parseSubtreeAppName } from './placement.js';
import type { PublicLocation } from './peer-state.js';
import { resolveValue, type RemoteEntry, type RemotePlace, type RemoteTree } from '../component/references.js';
import type { Observation, StateAccess, StateValue } from '../state/state-access.js';
import { fromStateValue } from '../state/state-values.js';

/** What LifecyclePublisher publishes for a component (peer-state.ts). */
interface Published {
  state?: string;
  peer?: string;
  instance?: string;
  within?: string;
  record?: { type?: string; reason?: string };
  attributes?: Record<string, StateValue>;
  refs?: string[];
}

interface Seen {
  /** Order of appearance: the newest provider of a place wins. */
  seq: number;
  value: Published;
  entry?: RemoteEntry;
}

class Watch {
  readonly providers = new Map<string, Seen>();
  observation?: Observation;
  /** How the last provider went, for the diagnostic. */
  ended = '';
  closed = false;
  constructor(
    readonly since: number,
    public lastUsed: number,
  ) {}
}

export interface PeerReferencesOptions {
  state: StateAccess;
  clock: Clock;
  host: ComponentHost;
  locate(c: Prim): PublicLocation | undefined;
  /** Places observed at most (default 512). */
  maxWatched?: number;
  /** A place not read for this long stops being observed (default 10 min). */
  idleMs?: number;
  /** How long `prepare` waits for the places a component's references reach (default 1 s). */
  prepareMs?: number;
  /** A place observed for less than this and still empty is "not visible yet" (default 3 s). */
  graceMs?: number;
}

const TERMINAL = new Set(['terminated', 'failed']);

function asPublished(v: StateValue): Published {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Published) : {};
}

export class PeerReferences implements RemoteTree {
  private readonly watches = new Map<string, Watch>();
  private readonly maxWatched: number;
  private readonly idleMs: number;
  private readonly prepareMs: number;
  private readonly graceMs: number;
  private seq = 0;
  /** Places first observed during `prepare`. */
  private fresh?: Set<Watch>;
  private closed = false;

  constructor(private readonly options: PeerReferencesOptions) {
    this.maxWatched = options.maxWatched ?? 512;
    this.idleMs = options.idleMs ?? 600_000;
    this.prepareMs = options.prepareMs ?? 1000;
    this.graceMs = options.graceMs ?? 3000;
  }

  /** The number of places observed now. */
  get watched(): number {
    return this.watches.size;
  }

  // --- RemoteTree ----------------------------------------------------------------------

  below(c: Prim, name: string): RemotePlace | undefined {
    if (!(c instanceof RemoteSubtree)) return undefined;
    const loc = this.options.locate(c);
    if (!loc) return undefined;
    // '' (nothing deployed yet) matches no copy.
    return { app: loc.app, path: `${loc.path}:${name}`, instance: c.claimedInstance };
  }

  above(root: Prim): RemotePlace | undefined {
    if (root.parent) return undefined;
    const internal = this.options.host.applicationOf(root);
    const sub = internal ? parseSubtreeAppName(internal) : undefined;
    if (!sub) return undefined;
    const i = sub.path.lastIndexOf(':');
    return i > 0 ? { app: sub.app, path: sub.path.slice(0, i) } : undefined;
  }

  local(place: RemotePlace): Prim | undefined {
    const host = this.options.host;
    // Application names never contain `@`; the subtrees run here do.
    const own = host.application(place.app);
    const found = own ? descend(own, own.path, place.path) : undefined;
    if (found) return found;
    for (const internal of host.applicationNames()) {
      const sub = parseSubtreeAppName(internal);
      if (!sub || sub.app !== place.app) continue;
      if (place.path !== sub.path && !place.path.startsWith(`${sub.path}:`)) continue;
      // Inside a subtree, only the copy of the instance asked for.
      if (place.path !== sub.path && place.instance !== undefined && sub.instance !== place.instance) continue;
      const root = host.application(internal);
      if (root) return descend(root, sub.path, place.path);
    }
    return undefined;
  }

  read(place: RemotePlace, probe = false): RemoteEntry | { missing: string } {
    const w = this.watch(`app/${place.app}/${place.path}`, probe);
    let best: Seen | undefined;
    let replaced = '';
    let ended = '';
    for (const s of w.providers.values()) {
      const v = s.value;
      if (TERMINAL.has(v.state ?? '')) {
        ended = endedText(v);
        continue;
      }
      // Under a proxy: the components of its current instance, or the root of a subtree nested in it.
      if (place.instance !== undefined && v.within !== place.instance && v.instance === undefined) {
        replaced = v.within ?? '?';
        continue;
      }
      if (!best || s.seq > best.seq) best = s;
    }
    if (best) return (best.entry ??= toEntry(best.value));
    if (ended) return { missing: ended };
    if (replaced) return { missing: `is published only by a copy of instance \`${replaced}\`, which its parent has replaced` };
    if (w.ended) return { missing: w.ended };
    if (this.options.clock.now() - w.since < this.graceMs) return { missing: 'is not visible on this peer yet (its state is being fetched from the state space)' };
    return { missing: 'is not published by any peer in this partition (no such component runs, or its peer cannot be reached)' };
  }

  // --- before a component starts --------------------------------------------------------

  /**
   * Runs the LAZY references among `c`'s attributes once, so that the places they reach on
   * other peers are observed, and waits (bounded) until those places are visible; several
   * rounds, since a walk reaches its next place only once the one before is known: a round
   * ends when one of its new places becomes visible, and the last when none is new. A place
   * that no peer publishes holds the component up to `prepareMs`; the existence checks of an
   * upward `ATTRIB` search do not.
   */
  async prepare(c: Prim): Promise<void> {
    if (this.closed) return;
    const refs = c.attributeNames().filter((n) => {
      const v = c.rawAttribute(n);
      return v instanceof Ref && !v.data;
    });
    if (!refs.length) return;
    const clock = this.options.clock;
    const deadline = clock.now() + this.prepareMs;
    for (let round = 0; round < 8 && !this.closed; round++) {
      const fresh = new Set<Watch>();
      this.fresh = fresh;
      try {
        for (const n of refs) {
          try {
            resolveValue(c.rawAttribute(n)!, c, c);
          } catch {
            // Reported when the component reads it; here only the places matter.
          }
        }
      } finally {
        this.fresh = undefined;
      }
      const pending = [...fresh].filter((w) => w.providers.size === 0);
      if (!pending.length) return;
      const progressed = () => pending.some((w) => w.closed || w.providers.size > 0);
      for (let i = 0; i < 1000 && !progressed() && clock.now() < deadline && !this.closed; i++) await clock.sleep(20);
      if (!progressed()) return;
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches.values()) this.drop(w);
    this.watches.clear();
  }

  // --- observations ---------------------------------------------------------------------

  private watch(name: string, probe = false): Watch {
    const now = this.options.clock.now();
    const known = this.watches.get(name);
    if (known) {
      // Most recently read last (the map's order is the eviction order).
      this.watches.delete(name);
      this.watches.set(name, known);
      known.lastUsed = now;
      return known;
    }
    for (const [n, w] of this.watches) {
      if (this.watches.size < this.maxWatched && now - w.lastUsed < this.idleMs) break;
      this.drop(w);
      this.watches.delete(n);
    }
    const w = new Watch(now, now);
    this.watches.set(name, w);
    if (!probe) this.fresh?.add(w);
    if (this.closed) return w;
    w.observation = this.options.state.observe(name, {
      added: (p) => void w.providers.set(p.id, { seq: ++this.seq, value: asPublished(p.value) }),
      changed: (p) => {
        const s = w.providers.get(p.id);
        if (s) {
          s.value = asPublished(p.value);
          s.entry = undefined;
        } else w.providers.set(p.id, { seq: ++this.seq, value: asPublished(p.value) });
      },
      removed: (p) => {
        const s = w.providers.get(p.id);
        w.providers.delete(p.id);
        if (!s) return;
        w.ended = TERMINAL.has(s.value.state ?? '') ? endedText(s.value) : `is gone: it was withdrawn from the state space, or its peer \`${s.value.peer ?? '?'}\` left the group`;
      },
    });
    return w;
  }

  private drop(w: Watch): void {
    w.closed = true;
    w.observation?.close();
    w.providers.clear();
  }
}

function endedText(v: Published): string {
  const reason = v.record?.reason;
  return `has ${v.state ?? 'ended'}${v.peer ? ` on peer \`${v.peer}\`` : ''}${reason ? ` (${reason.replace(/\.$/, '')})` : ''}`;
}

function toEntry(v: Published): RemoteEntry {
  const attributes = new Map<string, Value>();
  for (const [n, x] of Object.entries(v.attributes ?? {})) attributes.set(n, fromStateValue(x));
  const entry: RemoteEntry = { peer: v.peer ?? '?', attributes, refs: new Set(Array.isArray(v.refs) ? v.refs.filter((n) => typeof n === 'string') : []) };
  const instance = v.instance ?? v.within;
  return instance ? { ...entry, instance } : entry;
}

/** The component at `path` below `root`, whose own path in the application is `rootPath`. */
function descend(root: Prim, rootPath: string, path: string): Prim | undefined {
  if (path === rootPath) return root;
  if (!path.startsWith(`${rootPath}:`)) return undefined;
  let c: Prim | undefined = root;
  for (const part of path.slice(rootPath.length + 1).split(':')) {
    c = c.children.find((x) => x.name === part);
    if (!c) return undefined;
  }
  return c;
}
