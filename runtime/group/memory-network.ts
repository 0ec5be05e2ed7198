/**
 * A simulated network on a manual clock (core/clock.ts), for tests and the simulation benchmark.
 * Datagrams go to every other endpoint with configurable loss, delay (a jitter range, which also
 * reorders), duplication, one-way cuts and partitions; messages (the TCP stand-in) keep their order
 * per link, are never lost or duplicated, and vanish across a cut, which the heartbeat layer then
 * sees as untimeliness.
 *
 * Connection attempts (docs/design/group.md §T0): by default a link opens at once. With
 * `conditions.connectFailure` finite, a link whose first message is sent while the destination is
 * unreachable (either way) stays *connecting*: it neither opens nor fails until that delay has
 * passed, and then fails as `unreachable` whatever the network has done meanwhile, as a TCP connect
 * does once ARP has given up on a host that was cut off (about 3 s on Linux). An endpoint's connect
 * timeout ends such an attempt earlier (`timeout`). Messages sent while connecting are lost with it.
 *
 * Endpoints are known by a network address, which is the node id of the member that owns them
 * unless it says otherwise: two members with one node id (a duplicate peer) have two addresses.
 * Cuts and partitions name addresses; a message to a node id goes to the endpoint at that address.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { DatagramTransport, LinkFailure, LinkFailureCause, MessageTransport, PeerAddress } from './transport.js';
import { markImmutable } from './immutable-datagram.js';
import type { UnicastSocket } from './unicast-transport.js';

/**
 * The unicast address of simulated address `id` (a peer without multicast, docs/design/group.md §7):
 * `10.<id / 256>.<id % 256>.1:4242`, so that directories encode it as a real address.
 */
export function simUnicastAddress(id: number): string {
  return `10.${id >> 8}.${id & 255}.1:4242`;
}

/** Parsed addresses (a bounded memo: a unicast send names every member, every interval). */
const simIds = new Map<string, number>();

function simIdOf(address: string): number {
  const known = simIds.get(address);
  if (known !== undefined) return known;
  const m = /^10\.(\d+)\.(\d+)\.1:4242$/.exec(address);
  const id = m ? Number(m[1]) * 256 + Number(m[2]) : -1;
  if (simIds.size >= 65_536) simIds.clear();
  simIds.set(address, id);
  return id;
}

/** A deterministic PRNG (mulberry32), so every simulation replays exactly from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NetworkConditions {
  /** Probability that one delivery of a datagram is lost. */
  loss: number;
  /** Datagram delay range (ms); a non-zero range reorders. */
  minDelay: number;
  maxDelay: number;
  /** Probability that a datagram is delivered twice. */
  duplicate: number;
  /** Delay of messages on links (ms). */
  messageDelay: number;
  /**
   * How long a connection attempt to an unreachable address takes to fail (ms). Infinity (the
   * default): links open at once, and messages across a cut simply vanish.
   */
  connectFailure: number;
}

/** Options of a simulated message endpoint. */
export interface MemoryEndpointOptions {
  /** A connection attempt not open within this time fails as `timeout` (ms; default: never). */
  connectTimeout?: number;
}

/** One endpoint's slot in a HandlerTable; `live` turns false when the endpoint is removed. */
interface HandlerSlot<H> {
  id: number;
  h: H | null;
  live: boolean;
}

/**
 * Receive handlers by address, visited in insertion order as a Map's entries are (a removed and
 * re-added address goes to the end), with the same semantics while a delivery loop runs: an
 * endpoint removed during the loop is not visited, one added during it is. The loop itself is an
 * array walk, not a Map iteration: a multicast to 1,000 endpoints visits them all on every send.
 */
class HandlerTable<H> {
  private readonly byId = new Map<number, HandlerSlot<H>>();
  /** Slots in order, removed ones included until the next compaction. */
  readonly slots: HandlerSlot<H>[] = [];
  private dead = 0;
  /** Delivery loops running (compaction waits for none). */
  walking = 0;

  set(id: number, h: H | null): void {
    const slot = this.byId.get(id);
    if (slot !== undefined) {
      slot.h = h;
      return;
    }
    const fresh = { id, h, live: true };
    this.byId.set(id, fresh);
    this.slots.push(fresh);
  }

  get(id: number): H | null | undefined {
    const slot = this.byId.get(id);
    return slot === undefined ? undefined : slot.h;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  delete(id: number): void {
    const slot = this.byId.get(id);
    if (slot === undefined) return;
    this.byId.delete(id);
    slot.live = false;
    slot.h = null;
    this.dead++;
    if (this.walking === 0 && this.dead > 64 && this.dead * 2 > this.slots.length) this.compact();
  }

  ids(): number[] {
    return [...this.byId.keys()];
  }

  private compact(): void {
    let w = 0;
    for (const slot of this.slots) if (slot.live) this.slots[w++] = slot;
    this.slots.length = w;
    this.dead = 0;
  }
}

export class MemoryNetwork {
  readonly conditions: NetworkConditions = { loss: 0, minDelay: 1, maxDelay: 1, duplicate: 0, messageDelay: 1, connectFailure: Infinity };
  private readonly datagramHandlers = new HandlerTable<(d: Uint8Array) => void>();
  private readonly messageEndpoints = new Map<number, MemoryMessageEndpoint>();
  private readonly unicastHandlers = new Map<number, ((d: Uint8Array, from: string) => void) | null>();
  /** Cut pairs (one-way), keyed `from * 4096 + to`. */
  private readonly cuts = new Set<number>();
  private groups: Map<number, number> | null = null;
  private readonly linkClock = new Map<string, number>();
  deliveries = 0;
  /** Unicast datagrams handed to the network (one per destination) and their bytes: per-peer traffic. */
  unicastSent = 0;
  unicastBytes = 0;

  constructor(readonly clock: Clock, readonly random: () => number = seededRandom(1)) {}

  /** The group transport at address `id`. The sender does not receive its own datagrams. */
  datagramEndpoint(id: number): DatagramTransport {
    this.datagramHandlers.set(id, null);
    return {
      send: (d) => this.broadcast(id, d),
      onReceive: (h) => void this.datagramHandlers.set(id, h),
      close: async () => void this.datagramHandlers.delete(id),
    };
  }

  /**
   * A unicast socket at address `id` (simUnicastAddress): datagrams to named addresses only, under the
   * same loss, delay, duplication, cuts and partitions as multicast ones.
   */
  unicastSocket(id: number): UnicastSocket {
    this.unicastHandlers.set(id, null);
    const address = simUnicastAddress(id);
    return {
      address,
      send: (d, to) => this.unicast(id, address, d, to),
      onReceive: (h) => void this.unicastHandlers.set(id, h),
      close: async () => void this.unicastHandlers.delete(id),
    };
  }

  /** The message transport at address `id`, of the member with node id `nodeId` (by default the address). */
  messageEndpoint(id: number, nodeId: number = id, options: MemoryEndpointOptions = {}): MessageTransport {
    const e = new MemoryMessageEndpoint(this, id, nodeId, options);
    this.messageEndpoints.set(id, e);
    return e;
  }

  /** Injects raw bytes as if sent by `from` (a spare endpoint or a spoofed node), for bad-packet tests. */
  inject(from: number, d: Uint8Array): void {
    this.broadcast(from, d);
  }

  /** Removes a node (a crash): nothing more is delivered to or from it. */
  remove(id: number, endpoint?: MessageTransport): void {
    this.datagramHandlers.delete(id);
    this.unicastHandlers.delete(id);
    if (endpoint === undefined || this.messageEndpoints.get(id) === endpoint) this.messageEndpoints.delete(id);
  }

  /** `from` can no longer reach `to` (one way). */
  cut(from: number, to: number): void {
    this.cuts.add(from * 4096 + to);
  }

  /** Splits the nodes into groups that cannot hear each other; nodes not listed form their own group. */
  partition(groups: number[][]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groups!.set(id, i)));
  }

  heal(): void {
    this.cuts.clear();
    this.groups = null;
  }

  reachable(from: number, to: number): boolean {
    if (this.cuts.size === 0 && this.groups === null) return true;
    if (this.cuts.has(from * 4096 + to)) return false;
    if (this.groups) return (this.groups.get(from) ?? -1 - from) === (this.groups.get(to) ?? -1 - to);
    return true;
  }

  private unicast(from: number, fromAddress: string, d: Uint8Array, to: readonly string[]): void {
    const c = this.conditions;
    const ids = to.map(simIdOf);
    this.unicastSent += ids.length;
    this.unicastBytes += ids.length * d.length;
    if (c.minDelay === c.maxDelay && c.loss === 0 && c.duplicate === 0) {
      // One timer for the whole fan-out, as for multicast; one copy, which nothing writes to.
      const copy = markImmutable(Uint8Array.from(d));
      this.clock.setTimeout(() => {
        for (const id of ids) {
          const h = this.unicastHandlers.get(id);
          if (!h || id === from || !this.reachable(from, id)) continue;
          this.deliveries++;
          h(copy, fromAddress);
        }
      }, c.minDelay);
      return;
    }
    for (const id of ids) {
      const copies = this.random() < c.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        if (this.random() < c.loss) continue;
        const copy = markImmutable(Uint8Array.from(d));
        this.clock.setTimeout(() => {
          const h = this.unicastHandlers.get(id);
          if (!h || !this.reachable(from, id)) return;
          this.deliveries++;
          h(copy, fromAddress);
        }, c.minDelay + this.random() * (c.maxDelay - c.minDelay));
      }
    }
  }

  private broadcast(from: number, sent: Uint8Array): void {
    const c = this.conditions;
    // The network's own copy, made at the send as a socket would: what the sender (or a test's
    // `inject`) writes to its buffer afterwards is not delivered, and no receiver writes to it.
    const d = markImmutable(Uint8Array.from(sent));
    const uniform = c.minDelay === c.maxDelay && c.loss === 0 && c.duplicate === 0;
    if (uniform) {
      // One timer for the whole fan-out: the simulation of 1,000 peers depends on it.
      this.clock.setTimeout(() => {
        const open = this.cuts.size === 0 && this.groups === null;
        const table = this.datagramHandlers;
        const slots = table.slots;
        table.walking++;
        try {
          // `slots.length` is read on every step: an endpoint added by a handler is visited too.
          for (let i = 0; i < slots.length; i++) {
            const slot = slots[i]!;
            const h = slot.h;
            if (h === null || slot.id === from || (!open && !this.reachable(from, slot.id))) continue;
            this.deliveries++;
            h(d);
          }
        } finally {
          table.walking--;
        }
      }, c.minDelay);
      return;
    }
    for (const to of this.datagramHandlers.ids()) {
      if (to === from) continue;
      const copies = this.random() < c.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        if (this.random() < c.loss) continue;
        const delay = c.minDelay + this.random() * (c.maxDelay - c.minDelay);
        this.clock.setTimeout(() => {
          const h = this.datagramHandlers.get(to);
          if (!h || !this.reachable(from, to)) return;
          this.deliveries++;
          h(d);
        }, delay);
      }
    }
  }

  /** @internal `from` is the sender's address, `sender` its node id, `to` the receiver's address. */ deliverMessage(from: number, to: number, message: unknown, sender: number = from): void {
    if (!this.reachable(from, to) || !this.messageEndpoints.has(to)) return;
    // FIFO per link: never deliver before an earlier message on the same link.
    const key = `${from}>${to}`;
    const at = Math.max(this.clock.now() + this.conditions.messageDelay, this.linkClock.get(key) ?? 0);
    this.linkClock.set(key, at);
    // Messages are copied, as a real link would serialise them.
    const copy = structuredClone(message);
    this.clock.setTimeout(() => {
      if (!this.reachable(from, to)) return;
      this.messageEndpoints.get(to)?.deliver(sender, copy);
    }, at - this.clock.now());
  }
}

/** A link of a simulated endpoint to one peer: connecting (messages wait) or open. */
interface MemoryLink {
  admission: number | undefined;
  open: boolean;
  timer: TimerHandle | null;
}

class MemoryMessageEndpoint implements MessageTransport {
  readonly address = null;
  private handler: ((from: number, m: unknown) => void) | null = null;
  private failureHandler: ((peer: number, failure?: LinkFailure) => void) | null = null;
  private readonly links = new Map<number, MemoryLink>();
  private closed = false;

  constructor(private readonly net: MemoryNetwork, private readonly id: number, private readonly nodeId: number, private readonly options: MemoryEndpointOptions = {}) {}

  send(to: PeerAddress, message: unknown): void {
    if (this.closed) return;
    let link = this.links.get(to.id);
    if (link !== undefined && to.admission !== undefined && link.admission !== to.admission) {
      // Made for another admission of the peer: given up, silently, as the TCP transport does.
      link.timer?.cancel();
      this.links.delete(to.id);
      link = undefined;
    }
    link ??= this.connect(to);
    // Sent while connecting: the attempt can only fail, and the message is lost with it.
    if (link.open) this.net.deliverMessage(this.id, to.id, message, this.nodeId);
  }

  private connect(to: PeerAddress): MemoryLink {
    const link: MemoryLink = { admission: to.admission, open: true, timer: null };
    this.links.set(to.id, link);
    const failAfter = this.net.conditions.connectFailure;
    if (failAfter === Infinity || (this.net.reachable(this.id, to.id) && this.net.reachable(to.id, this.id))) return link;
    // Unreachable: the attempt hangs until it fails (or the connect timeout ends it first).
    link.open = false;
    const timeout = this.options.connectTimeout ?? Infinity;
    const cause: LinkFailureCause = timeout < failAfter ? 'timeout' : 'unreachable';
    link.timer = this.net.clock.setTimeout(() => this.fail(to.id, link, cause), Math.min(timeout, failAfter));
    return link;
  }

  private fail(peer: number, link: MemoryLink, cause: LinkFailureCause): void {
    if (this.closed || this.links.get(peer) !== link) return;
    this.links.delete(peer);
    this.failureHandler?.(peer, { cause, ...(link.admission === undefined ? {} : { admission: link.admission }) });
  }

  onMessage(handler: (from: number, message: unknown) => void): void {
    this.handler = handler;
  }

  onLinkFailure(handler: (peer: number, failure?: LinkFailure) => void): void {
    this.failureHandler = handler;
  }

  deliver(from: number, m: unknown): void {
    this.handler?.(from, m);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const l of this.links.values()) l.timer?.cancel();
    this.links.clear();
    this.net.remove(this.id, this);
  }
}
