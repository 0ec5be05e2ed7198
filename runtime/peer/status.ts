/**
 * What a peer tells about the group and its applications (docs/design/control.md §6.2, §6.4):
 * `members` as this peer sees them; `status`, this peer's view, or with `all` every present
 * peer's, with the parts run elsewhere grafted under their proxies and every peer's history of
 * ended applications merged.
 */
import type { Prim } from '../component/component.js';
import { errorText } from '../component/lifecycle.js';
import type { CheckedOf, ComponentStatus, EndedApplication, GroupStatus, MembersAnswer, PeerStatus } from '../control/protocol.js';
import type { PeerContext } from './context.js';
import type { History } from './history.js';
import { RemoteSubtree, parseSubtreeAppName } from './placement.js';

export class Status {
  constructor(
    private readonly ctx: PeerContext,
    private readonly history: History,
  ) {}

  /** `members`. */
  members(): MembersAnswer {
    const { member, directory } = this.ctx;
    const snap = member.snapshot();
    const names = new Map(snap.peers.map((p) => [p.id, p.name]));
    names.set(snap.id, snap.name);
    const nameOf = (id: number) => names.get(id) ?? String(id);
    return {
      peer: this.ctx.name,
      control: this.ctx.control(),
      stable: snap.stable,
      leader: nameOf(snap.leader),
      partition: snap.partition.map(nameOf),
      members: [
        { name: this.ctx.name, id: snap.id, state: 'self', control: this.ctx.control(), load: this.ctx.load() },
        ...snap.peers.map((p) => {
          const e = directory.get(p.name);
          return { name: p.name, id: p.id, state: String(p.state), ...(e ? { control: e.control, load: e.load } : {}) };
        }),
      ],
      counters: member.stats(),
    };
  }

  /**
   * `status`: this peer's view; with `all`, every present peer's too, and the applications
   * with the subtrees of other peers grafted under their proxies.
   */
  async status(r: CheckedOf<'status'>): Promise<PeerStatus | GroupStatus> {
    const local = this.local();
    if (!r.all) return local;
    const peers: GroupStatus['peers'] = [local];
    for (const p of this.ctx.directory.entries()) {
      if (p.name === this.ctx.name) continue;
      try {
        peers.push((await this.ctx.link.call(p.control, 'status', {}, 10_000)) as PeerStatus);
      } catch (e) {
        peers.push({ peer: p.name, error: errorText(e) });
      }
    }
    const statuses = peers.filter((p): p is PeerStatus => 'applications' in p);
    const subtrees = new Map(statuses.flatMap((s) => s.subtrees.map((t) => [`${t.app}\u0000${t.path}\u0000${t.instance}`, t.root] as const)));
    const graft = (app: string, c: ComponentStatus): ComponentStatus => {
      if (c.remote) {
        const remote = subtrees.get(`${app}\u0000${c.path}\u0000${c.remote.instance}`);
        if (remote) return { ...graft(app, remote), name: c.name, remote: c.remote };
        return { ...c, state: c.state === 'running' ? 'unknown' : c.state };
      }
      return { ...c, children: c.children.map((x) => graft(app, x)) };
    };
    const applications = statuses.flatMap((s) => s.applications.map((a) => ({ name: a.name, peer: s.peer, root: graft(a.name, a.root) })));
    return { peer: this.ctx.name, peers, applications, history: mergeHistories(statuses) };
  }

  private local(): PeerStatus {
    const m = this.members();
    const applications: PeerStatus['applications'] = [];
    const subtrees: PeerStatus['subtrees'] = [];
    const { host } = this.ctx;
    for (const internal of host.applicationNames()) {
      const root = host.application(internal);
      if (!root) continue;
      const sub = parseSubtreeAppName(internal);
      if (sub) subtrees.push({ app: sub.app, path: sub.path, instance: sub.instance, parentPeer: sub.parentPeer, root: this.tree(root) });
      else applications.push({ name: internal, root: this.tree(root) });
    }
    const history = this.history.list();
    return { peer: this.ctx.name, control: this.ctx.control(), stable: m.stable, leader: m.leader, partition: m.partition, members: m.members, applications, subtrees, history };
  }

  private tree(c: Prim): ComponentStatus {
    const loc = this.ctx.publicLocation(c);
    const s: ComponentStatus = { name: c.name, path: loc?.path ?? c.path, type: c.type, state: c.state, peer: this.ctx.name, children: c.children.map((x) => this.tree(x)) };
    if (c instanceof RemoteSubtree) s.remote = { peer: c.targetPeer, instance: c.claimedInstance };
    return s;
  }
}

/**
 * Every peer's history in one list, oldest first (a stable sort by time, so entries of one
 * time keep their peer's order). Each entry names its peer; a peer whose answer has no history
 * (an older frogpond) adds nothing.
 */
export function mergeHistories(statuses: readonly PeerStatus[]): EndedApplication[] {
  const all = statuses.flatMap((s) => (Array.isArray(s.history) ? s.history.map((e) => ({ ...e, peer: e.peer || s.peer })) : []));
  return all.sort((a, b) => a.time - b.time);
}
