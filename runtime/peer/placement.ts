/**
 * Placement of subtrees on other peers (docs/design/components.md §5).
 *
 * Before a peer deploys a plan (or a subtree handed to it), `placePlan` replaces every node
 * whose `host` (sfProcessHost) names another peer by a `RemoteSubtree` proxy node: same name,
 * path and plain attributes, type `frog:RemoteSubtree`, no children, and the original subtree
 * kept as JSON text in the attribute `frogSubtree`. The proxy is an ordinary child of its
 * parent, so the usual semantics apply to it (Compound, Retry, restart policies).
 *
 * The proxy, when started:
 * 1. waits for the target peer to be present in the group (`peer/<name>`), with a `log` event
 *    every few seconds, and fails with SF4401 after the placement timeout;
 * 2. issues a fresh instance id, records it (`frogInstance`, checkpointed), and hands the
 *    subtree to the target peer (`deploy-subtree`); a recovered proxy first tries to re-adopt
 *    the instance it recorded (`ping-subtree`) and deploys a new one only if that is gone;
 * 3. follows the remote root through the state space (`app/<app>/<path>`): its live attributes
 *    are mirrored into the proxy (so LAZY references to them read current values, and rebind
 *    after the remote peer recovers), its end (terminated or failed) ends the proxy with the
 *    same record, and its disappearance, or the target peer's, fails the proxy (SF4402).
 * Pings of the proxy go to the remote root (`ping-subtree`), which is the liveness boundary:
 * the remote root runs a ParentWatchdog. Terminating the proxy terminates the remote subtree.
 *
 * Names: a subtree is registered on its peer as the application
 * `<app>@<path of its root>#<instance>@<parent peer>`, which survives recovery, so a recovered
 * subtree still knows its application, place, instance and parent (for fencing).
 */
import { randomBytes } from 'node:crypto';
import type { DeploymentPlan, EncodedValue, PlanNode } from '../../core/plan-types.js';
import { Messages, formatMessage } from '../../core/messages/index.js';
import { Prim } from '../component/component.js';
import type { ComponentHost } from '../host/host.js';
import { ComponentError, LifecycleFailure, abnormalRecord, errorText, type TerminationRecord } from '../component/lifecycle.js';
import { fromStateValue } from '../state/state-values.js';
import type { Observation, StateValue } from '../state/state-access.js';
import type { AnswerOf, Operation, RequestOf, SubtreeState } from '../control/protocol.js';
import type { PeerEntry } from './peer-state.js';

export const REMOTE_TYPE = 'frog:RemoteSubtree';
export const SUBTREE_ATTRIBUTE = 'frogSubtree';
export const INSTANCE_ATTRIBUTE = 'frogInstance';

/** Replaces the nodes placed on other peers by proxies, down the tree; `self` is this peer's name. */
export function placeNode(node: PlanNode, self: string, source = ''): PlanNode {
  if (node.host && node.host !== self) return proxyNode(node, source);
  return { ...node, children: node.children.map((c) => placeNode(c, self, source)) };
}

/** `source` (the plan's file) goes with each subtree: user modules are found relative to it. */
export function placePlan(plan: DeploymentPlan, self: string): DeploymentPlan {
  return { ...plan, root: placeNode(plan.root, self, plan.source) };
}

/** What `frogSubtree` holds. */
export interface RecordedSubtree {
  node: PlanNode;
  source: string;
}

function isLazyFunction(v: EncodedValue): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && ('$apply' in v || '$assert' in v);
}

function proxyNode(node: PlanNode, source: string): PlanNode {
  // Lazy functions and assertions belong to the remote component: they are checked there.
  const attributes = node.attributes.filter(([, v]) => !isLazyFunction(v));
  const recorded: RecordedSubtree = { node, source };
  attributes.push([SUBTREE_ATTRIBUTE, JSON.stringify(recorded)]);
  const keep = new Set(attributes.map(([n]) => n));
  return { name: node.name, path: node.path, type: REMOTE_TYPE, host: node.host, attributes, lazy: node.lazy.filter((n) => keep.has(n)), children: [] };
}

export interface SubtreeName {
  app: string;
  /** The complete path of the subtree's root in the application. */
  path: string;
  instance: string;
  parentPeer: string;
}

export function subtreeAppName(s: SubtreeName): string {
  return `${s.app}@${s.path}#${s.instance}@${s.parentPeer}`;
}

export function parseSubtreeAppName(name: string): SubtreeName | undefined {
  const m = /^([^@#]+)@([^@#]+)#([0-9a-z]+)@(.+)$/s.exec(name);
  return m ? { app: m[1]!, path: m[2]!, instance: m[3]!, parentPeer: m[4]! } : undefined;
}

export function newInstanceId(): string {
  return randomBytes(6).toString('hex');
}

/** What a proxy needs from its peer (placement-service.ts). */
export interface PlacementService {
  readonly peerName: string;
  readonly placementTimeoutMs: number;
  /** The application and complete path of a component of this peer. */
  locate(c: Prim): { app: string; path: string } | undefined;
  whenPresent(peer: string, timeoutMs: number, progress: (waitedMs: number) => void, cancelled: () => boolean): Promise<PeerEntry | undefined>;
  call<Op extends Operation>(peer: PeerEntry, operation: Op, body: RequestOf<Op>, timeoutMs?: number): Promise<AnswerOf<Op>>;
  observe(name: string, handlers: { value(id: string, v: StateValue): void; removed(id: string): void }): Observation;
  onPeerGone(peer: string, handler: (e: PeerEntry) => void): () => void;
  register(proxy: RemoteSubtree, key: string): void;
  unregister(proxy: RemoteSubtree, key: string): void;
}

const services = new WeakMap<object, PlacementService>();

/** Makes proxies deployed by `host` use `service`. */
export function bindPlacement(host: ComponentHost, service: PlacementService): void {
  services.set(host, service);
}

function lossRecord(path: string, peer: string, reason: string): TerminationRecord {
  const message = formatMessage(Messages.RemotePeerLost, { peer, path, reason });
  return { type: 'abnormal', reason: message, path, cause: { name: 'RemotePeerLost', message, code: Messages.RemotePeerLost.code } };
}

/** The proxy of a subtree placed on another peer. */
export class RemoteSubtree extends Prim {
  targetPeer = '';
  instance = '';

  /** The instance this proxy stands for: the live one, else the one recorded before a restart. */
  get claimedInstance(): string {
    if (this.instance) return this.instance;
    const v = this.rawAttribute(INSTANCE_ATTRIBUTE);
    return typeof v === 'string' ? v : '';
  }
  private service?: PlacementService;
  private subtree?: RecordedSubtree;
  private location?: { app: string; path: string };
  private target?: PeerEntry;
  private observation?: Observation;
  private offGone?: () => void;
  private remoteEnded = false;
  private key = '';

  protected override async deploy(): Promise<void> {
    this.service = services.get(this.host);
    if (!this.service) throw new ComponentError('this host does not place subtrees on other peers (it is not a peer in a group)', this.path);
    const text = this.resolveString(SUBTREE_ATTRIBUTE);
    try {
      this.subtree = JSON.parse(text) as RecordedSubtree;
      if (!this.subtree?.node || typeof this.subtree.node.host !== 'string') throw new Error('no node');
    } catch (e) {
      throw new ComponentError(`the recorded subtree cannot be read: ${errorText(e)}`, this.path);
    }
    this.targetPeer = this.subtree.node.host;
    this.location = this.service.locate(this);
    if (!this.location) throw new ComponentError('the application of this component is unknown', this.path);
    this.key = `${this.location.app}\u0000${this.location.path}`;
    this.service.register(this, this.key);
  }

  protected override async start(): Promise<void> {
    const svc = this.service!;
    const loc = this.location!;
    const seconds = Math.round(svc.placementTimeoutMs / 1000);
    const target = await svc.whenPresent(
      this.targetPeer,
      svc.placementTimeoutMs,
      (waited) => this.log(`waiting for peer \`${this.targetPeer}\` to join the group (${Math.round(waited / 1000)} s of ${seconds} s)`),
      () => this.isTerminating,
    );
    if (this.isTerminating) return;
    if (!target) {
      throw new ComponentError(Messages.PlacementTimeout, { peer: this.targetPeer, path: loc.path, seconds }, this.path);
    }
    this.target = target;
    this.offGone = svc.onPeerGone(this.targetPeer, (e) => {
      if (e.instance === this.target?.instance) this.lost('it failed, stopped or is partitioned away');
    });
    // A recovered proxy re-adopts the subtree it recorded when that one still runs.
    const recorded = this.recovered && this.hasAttribute(INSTANCE_ATTRIBUTE) ? this.resolveString(INSTANCE_ATTRIBUTE, '') : '';
    if (recorded) {
      try {
        const answer = await svc.call(target, 'ping-subtree', { app: loc.app, path: loc.path, instance: recorded });
        this.instance = recorded;
        this.follow(answer);
        this.log(`re-adopted ${loc.path} (instance ${recorded}) on peer \`${this.targetPeer}\``);
        return;
      } catch {
        // Gone while we were down: deploy a new instance below.
      }
    }
    this.instance = newInstanceId();
    this.sfReplaceAttribute(INSTANCE_ATTRIBUTE, this.instance);
    let answer: SubtreeState;
    try {
      answer = await svc.call(
        target,
        'deploy-subtree',
        { app: loc.app, path: loc.path, instance: this.instance, parentPeer: svc.peerName, node: this.subtree!.node, source: this.subtree!.source },
        Math.max(60_000, svc.placementTimeoutMs * 2),
      );
    } catch (e) {
      const reason = errorText(e);
      throw new ComponentError(Messages.RemoteDeployFailed, { path: loc.path, peer: this.targetPeer, reason }, this.path);
    }
    if (this.isTerminating) return;
    if (answer.state === 'failed' || answer.state === 'terminated') {
      const record = answer.record ?? abnormalRecord(`the remote subtree ${answer.state}`, loc.path);
      this.remoteEnded = true;
      void this.sfTerminate(record);
      throw new LifecycleFailure(record);
    }
    this.follow(answer);
  }

  /** Mirrors the remote root's state: attributes now, then every change through the state space. */
  private follow(answer: SubtreeState): void {
    if (answer.attributes) this.mirror(answer.attributes);
    const loc = this.location!;
    this.observation?.close();
    this.observation = this.service!.observe(`app/${loc.app}/${loc.path}`, {
      value: (_id, v) => {
        const value = v as { state?: string; instance?: string; record?: TerminationRecord; attributes?: Record<string, StateValue> } | null;
        if (!value || value.instance !== this.instance || this.isTerminating) return;
        if (value.attributes) this.mirror(value.attributes);
        if (value.state === 'terminated' || value.state === 'failed') this.ended(value.record ?? abnormalRecord(`the remote subtree ${value.state}`, loc.path));
      },
      removed: () => undefined,
    });
  }

  private mirror(attributes: Record<string, StateValue>): void {
    for (const [name, v] of Object.entries(attributes)) {
      if (name === SUBTREE_ATTRIBUTE || name === INSTANCE_ATTRIBUTE) continue;
      const value = fromStateValue(v);
      const current = this.rawAttribute(name);
      if (current !== undefined && JSON.stringify(current, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) === JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))) continue;
      // Unresolved references stay here: they are resolved at read time in this context.
      if (typeof v === 'string' && this.node.lazy.includes(name)) continue;
      this.sfReplaceAttribute(name, value);
    }
  }

  /** The remote subtree ended by itself (state space or its peer's notice). */
  ended(record: TerminationRecord): void {
    if (this.isTerminating) return;
    this.remoteEnded = true;
    void this.sfTerminate(record);
  }

  /** The remote subtree is presumed lost (its peer left, or it is unknown there). */
  lost(reason: string): void {
    if (this.isTerminating || !this.instance) return;
    this.remoteEnded = true;
    void this.sfTerminate(lossRecord(this.location?.path ?? this.path, this.targetPeer, reason));
  }

  /** Liveness crosses to the remote root: it is pinged (and its watchdog fed) through its peer. */
  protected override async ping(): Promise<void> {
    if (!this.instance || !this.target || this.remoteEnded) return;
    const loc = this.location!;
    try {
      await this.service!.call(this.target, 'ping-subtree', { app: loc.app, path: loc.path, instance: this.instance }, this.liveness.delay * this.liveness.factor * 1000 || 30_000);
    } catch (e) {
      // An answer that the subtree is unknown there is a loss; an unreachable peer is judged by the group.
      if ((e as { code?: string }).code === Messages.UnknownSubtree.code) this.lost('the subtree is no longer running there');
      else throw e;
    }
  }

  protected override async terminate(record: TerminationRecord): Promise<void> {
    this.observation?.close();
    this.offGone?.();
    this.service?.unregister(this, this.key);
    if (!this.instance || this.remoteEnded || !this.target) return;
    const loc = this.location!;
    try {
      await this.service!.call(this.target, 'terminate-subtree', { app: loc.app, path: loc.path, instance: this.instance, record }, 10_000);
    } catch {
      // Its peer is gone or partitioned: the subtree's watchdog, or fencing when it returns, ends it.
    }
  }
}
