/**
 * The parts of applications this peer runs for other peers (docs/design/control.md §7.1–§7.3):
 * each runs as the application `<app>@<path>#<instance>@<parentPeer>` (placement.ts) and is kept
 * here by its place (application and path), so that a new instance replaces an old one. A part
 * that ends by itself tells its parent's peer at once (`subtree-ended`).
 */
import { Messages } from '../../core/messages/index.js';
import { planId } from '../../core/plan-format.js';
import { PLAN_FORMAT, type DeploymentPlan } from '../../core/plan-types.js';
import type { Prim } from '../component/component.js';
import { abnormalRecord, normalRecord, type TerminationRecord } from '../component/lifecycle.js';
import { ControlRefusal } from '../control/control-server.js';
import type { AnswerOf, CheckedOf, SubtreeRef, SubtreeState } from '../control/protocol.js';
import type { PeerContext } from './context.js';
import { publishedAttributes } from './peer-state.js';
import { parseSubtreeAppName, placeNode, subtreeAppName, type SubtreeName } from './placement.js';

export interface SubtreeEntry {
  name: SubtreeName;
  internal: string;
  root?: Prim;
  /** Terminated on its parent's word (terminate-subtree or fencing): no notice goes back. */
  byParent: boolean;
}

/** What deploying a part needs from fencing and from resuming recorded parts. */
export interface PartsHooks {
  fence(entry: SubtreeEntry, verdict: string): Promise<void>;
  /** The recorded part waiting at this place for its parent's word, if any. */
  pendingAt(key: string): string | undefined;
  resolvePending(key: string, internal: string, keep: boolean): Promise<void>;
}

export function keyOf(app: string, path: string): string {
  return `${app}\u0000${path}`;
}

export function subtreeState(root: Prim): SubtreeState {
  return { state: root.state, ...(root.record ? { record: root.record } : {}), attributes: publishedAttributes(root) };
}

export class Parts {
  readonly entries = new Map<string, SubtreeEntry>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly hooks: PartsHooks,
  ) {}

  /** `deploy-subtree` → SubtreeState once running or ended. */
  async deploy(r: CheckedOf<'deploy-subtree'>): Promise<SubtreeState> {
    const { app, path, instance, parentPeer, source, node } = r;
    const name: SubtreeName = { app, path, instance, parentPeer };
    const key = keyOf(app, path);
    const waiting = this.hooks.pendingAt(key);
    if (waiting) {
      const recorded = parseSubtreeAppName(waiting)!;
      await this.hooks.resolvePending(key, waiting, recorded.instance === instance);
    }
    const existing = this.entries.get(key);
    if (existing && existing.name.instance === instance && existing.root) return subtreeState(existing.root);
    // The parent replaced an older copy: never two live copies of one subtree.
    if (existing) await this.hooks.fence(existing, 'replaced');
    const internal = subtreeAppName(name);
    const plan: DeploymentPlan = { format: PLAN_FORMAT, id: '', name: internal, source, root: placeNode(node, this.ctx.name, source) };
    plan.id = planId(plan);
    const entry: SubtreeEntry = { name, internal, byParent: false };
    this.entries.set(key, entry);
    this.ctx.directory.watch(parentPeer);
    const { checkpointer, host } = this.ctx;
    const deployed = checkpointer ? await checkpointer.deploy(plan, { name: internal, remoteParent: true }) : await host.deploy(plan, { name: internal, remoteParent: true });
    if (deployed.diagnostics.length || !deployed.root) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      const d = deployed.diagnostics[0];
      return { state: 'failed', record: abnormalRecord(d ? `${d.code}: ${d.message}` : 'the subtree could not be deployed', path) };
    }
    entry.root = deployed.root;
    return subtreeState(deployed.root);
  }

  /** `ping-subtree`: pings the part's root. */
  async ping(r: SubtreeRef): Promise<SubtreeState> {
    const { app, path, instance } = r;
    const entry = this.live(r);
    // Still being deployed here (its components may wait, e.g. for the places their references reach): alive.
    const deploying = this.entries.get(keyOf(app, path));
    if (!entry && deploying && deploying.name.instance === instance && !deploying.root) return { state: 'deploying' };
    if (!entry) throw new ControlRefusal(Messages.UnknownSubtree, { peer: this.ctx.name, path, app, instance }, 404);
    await entry.root!.sfPing(null);
    return subtreeState(entry.root!);
  }

  /** `terminate-subtree`: terminates the part on its parent's word. */
  async terminate(r: CheckedOf<'terminate-subtree'>): Promise<AnswerOf<'terminate-subtree'>> {
    const entry = this.live(r);
    if (!entry) return { terminated: false };
    entry.byParent = true;
    await entry.root!.sfTerminate(r.record ?? normalRecord('terminated by its parent'));
    return { terminated: true };
  }

  /** A root ended here: a part that ended by itself tells its parent's peer. */
  rootEnded(root: Prim, record: TerminationRecord | undefined): void {
    const internal = this.ctx.host.applicationOf(root);
    const name = internal ? parseSubtreeAppName(internal) : undefined;
    if (!name) return;
    const key = keyOf(name.app, name.path);
    const entry = this.entries.get(key);
    if (!entry || entry.name.instance !== name.instance) return;
    this.entries.delete(key);
    if (entry.byParent || this.ctx.stopping()) return;
    // Tell the parent at once (the state space tells it too, within its bounds).
    const parent = this.ctx.directory.get(name.parentPeer);
    if (parent) {
      void this.ctx.link
        .call(parent.control, 'subtree-ended', { app: name.app, path: name.path, instance: name.instance, record: record ?? abnormalRecord('ended', root.path) }, 10_000)
        .catch(() => undefined);
    }
  }

  /** The peer stops: every part ends on this peer's word, and no notice goes back. */
  stopping(): void {
    for (const e of this.entries.values()) e.byParent = true;
  }

  /** The live instance at that place, if it is the one named. */
  private live(r: SubtreeRef): SubtreeEntry | undefined {
    const entry = this.entries.get(keyOf(r.app, r.path));
    return entry && entry.name.instance === r.instance && entry.root && !entry.root.isTerminating ? entry : undefined;
  }
}
