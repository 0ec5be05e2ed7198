/**
 * What the proxies of this peer's applications use (placement.ts's PlacementService): the
 * directory of peers, the links to them, the state space, and the proxies by place. It answers
 * the questions other peers ask about those proxies: `subtree-ended` and `subtree-status`
 * (docs/design/control.md §7.4, §7.5).
 */
import { abnormalRecord } from '../component/lifecycle.js';
import type { Prim } from '../component/component.js';
import type { AnswerOf, CheckedOf, Operation, RequestOf, SubtreeRef } from '../control/protocol.js';
import type { StateValue } from '../state/state-access.js';
import type { PeerContext } from './context.js';
import type { PeerEntry } from './peer-state.js';
import type { PlacementService, RemoteSubtree } from './placement.js';
import { keyOf } from './parts.js';

export class PeerPlacement implements PlacementService {
  private readonly proxies = new Map<string, RemoteSubtree>();

  constructor(private readonly ctx: PeerContext) {}

  get peerName(): string {
    return this.ctx.name;
  }

  get placementTimeoutMs(): number {
    return this.ctx.placementTimeoutMs;
  }

  locate(c: Prim): { app: string; path: string } | undefined {
    const l = this.ctx.publicLocation(c);
    return l && { app: l.app, path: l.path };
  }

  whenPresent(peer: string, timeoutMs: number, progress: (waitedMs: number) => void, cancelled: () => boolean): Promise<PeerEntry | undefined> {
    return this.ctx.directory.whenPresent(peer, timeoutMs, progress, Math.max(1000, Math.min(5000, timeoutMs / 4)), () => cancelled() || this.ctx.stopping());
  }

  call<Op extends Operation>(peer: PeerEntry, operation: Op, body: RequestOf<Op>, timeoutMs?: number): Promise<AnswerOf<Op>> {
    return this.ctx.link.call(peer.control, operation, body, timeoutMs);
  }

  observe(name: string, handlers: { value(id: string, v: StateValue): void; removed(id: string): void }) {
    return this.ctx.state.observe(name, {
      added: (p) => handlers.value(p.id, p.value),
      changed: (p) => handlers.value(p.id, p.value),
      removed: (p) => handlers.removed(p.id),
    });
  }

  onPeerGone(peer: string, handler: (e: PeerEntry) => void): () => void {
    return this.ctx.directory.onChange((event, e) => {
      if (event === 'gone' && e.name === peer) handler(e);
    });
  }

  register(proxy: RemoteSubtree, key: string): void {
    this.proxies.set(key, proxy);
  }

  unregister(proxy: RemoteSubtree, key: string): void {
    if (this.proxies.get(key) === proxy) this.proxies.delete(key);
  }

  /** `subtree-ended`, from a part's peer: it ended by itself; the proxy ends with its record. */
  ended(r: CheckedOf<'subtree-ended'>): AnswerOf<'subtree-ended'> {
    const proxy = this.proxies.get(keyOf(r.app, r.path));
    if (!proxy || proxy.instance !== r.instance) return { known: false };
    proxy.ended(r.record ?? abnormalRecord('the remote subtree ended', r.path));
    return { known: true };
  }

  /** `subtree-status`, for fencing: is this instance still the one the proxy stands for? `unknown` while `recovering`. */
  verdict(r: SubtreeRef, recovering: boolean): AnswerOf<'subtree-status'> {
    if (recovering) return { verdict: 'unknown' };
    const proxy = this.proxies.get(keyOf(r.app, r.path));
    if (!proxy || proxy.isTerminating) return { verdict: 'gone' };
    return { verdict: proxy.claimedInstance === r.instance ? 'current' : 'replaced' };
  }
}
