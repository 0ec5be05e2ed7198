/**
 * What a peer tells about the group and its applications (docs/design/control.md §6.2, §6.4):
 * `members` as this peer sees them; `status`, this peer's view, or with `all` every present
 * peer's, with the parts run elsewhere grafted under their proxies and every peer's history of
 * ended applications merged.
 */
import type { Prim } from '../component/component.js';
import { errorText } from '../component/lifecycle.js';
import { Messages } from '../../core/messages/index.js';
import { ControlRefusal } from '../control/control-server.js';
import type { QueryAnswer } from '../control/protocol.js';
import { StateAccessError } from '../state/state-access.js';
import type { CheckedOf, ComponentStatus, EndedApplication, GroupStatus, MembersAnswer, MemberStatus, PeerStatus } from '../control/protocol.js';
import type { GroupEvent } from '../group/heartbeat-machine.js';
import type { PeerContext } from './context.js';
import type { History } from './history.js';
import { publishedAttributes } from './peer-state.js';
import { RemoteSubtree, parseSubtreeAppName } from './placement.js';

/** How long a peer that left the view is still listed by `members`, as `failed`. */
export const DEPARTED_MS = 5 * 60_000;

/** How long `query` waits for the providers of a name to report. */
export const QUERY_SETTLE_MS = 500;

/** How a member's state reads to an operator: a peer gone quiet is suspected before it is failed. */
const STATE_NAMES: Record<string, string> = { quiescing: 'suspected' };

export class Status {
  /** Peers that left this peer's view recently: name → id and when. */
  private readonly departed = new Map<string, { id: number; since: number }>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly history: History,
  ) {}

  /** Follows the group's events: a peer that leaves is remembered for DEPARTED_MS. */
  track(e: GroupEvent): void {
    if (!e.subject || e.subject.name === this.ctx.name) return;
    if (e.type === 'left') this.departed.set(e.subject.name, { id: e.subject.id, since: e.time });
    else if (e.type === 'joined') this.departed.delete(e.subject.name);
  }

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
          return { name: p.name, id: p.id, state: STATE_NAMES[p.state] ?? String(p.state), ...(e ? { control: e.control, load: e.load } : {}) };
        }),
        ...this.recentlyDeparted(new Set(snap.peers.map((p) => p.name))),
      ],
      counters: member.stats(),
    };
  }

  /** Peers that left the view within DEPARTED_MS and are not back: listed as `failed`, with since when. */
  private recentlyDeparted(present: Set<string>): MemberStatus[] {
    const now = this.ctx.clock.now();
    const out: MemberStatus[] = [];
    for (const [name, d] of this.departed) {
      if (now - d.since > DEPARTED_MS) this.departed.delete(name);
      else if (!present.has(name)) out.push({ name, id: d.id, state: 'failed', since: d.since });
    }
    return out;
  }

  /**
   * `status`: this peer's view; with `all`, every present peer's too, and the applications
   * with the subtrees of other peers grafted under their proxies.
   */
  async status(r: CheckedOf<'status'>): Promise<PeerStatus | GroupStatus> {
    const local = this.local(r.attributes);
    if (!r.all) return local;
    // Every other peer at once, each within the time asked: a frozen peer costs that, once.
    const others = this.ctx.directory.entries().filter((p) => p.name !== this.ctx.name);
    const answers = await Promise.all(
      others.map(async (p): Promise<GroupStatus['peers'][number]> => {
        try {
          return (await this.ctx.link.call(p.control, 'status', r.attributes ? { attributes: true } : {}, r.timeoutMs)) as PeerStatus;
        } catch (e) {
          return { peer: p.name, error: errorText(e) };
        }
      }),
    );
    const peers: GroupStatus['peers'] = [local, ...answers];
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

  /**
   * `query`: the providers of a state-space name as this peer sees them (§6.6). A name this
   * peer does not observe yet is looked up in the group first: the answer waits `settleMs` for
   * the providers to report, then lists what arrived, each with the peer that publishes it.
   */
  async query(r: CheckedOf<'query'>, settleMs = QUERY_SETTLE_MS): Promise<QueryAnswer> {
    let observation;
    try {
      observation = this.ctx.state.observe(r.name, {});
    } catch (e) {
      if (e instanceof StateAccessError) throw new ControlRefusal(Messages.BadStateQuery, { reason: e.message }, 400);
      throw e;
    }
    try {
      await new Promise<void>((resolve) => this.ctx.clock.setTimeout(resolve, settleMs));
      const snap = this.ctx.member.snapshot();
      const names = new Map(snap.peers.map((p) => [p.id, p.name]));
      names.set(snap.id, snap.name);
      const providers = observation.providers().map((p) => {
        const node = Number(p.id.split('/')[0]);
        const peer = names.get(node);
        return { id: p.id, ...(peer ? { peer } : {}), value: p.value, time: p.time };
      });
      return { peer: this.ctx.name, name: r.name, providers };
    } finally {
      observation.close();
    }
  }

  private local(attributes = false): PeerStatus {
    const m = this.members();
    const applications: PeerStatus['applications'] = [];
    const subtrees: PeerStatus['subtrees'] = [];
    const { host } = this.ctx;
    for (const internal of host.applicationNames()) {
      const root = host.application(internal);
      if (!root) continue;
      const sub = parseSubtreeAppName(internal);
      if (sub) subtrees.push({ app: sub.app, path: sub.path, instance: sub.instance, parentPeer: sub.parentPeer, root: this.tree(root, attributes) });
      else applications.push({ name: internal, root: this.tree(root, attributes) });
    }
    const history = this.history.list();
    const provides = this.ctx.member.stateSpace.providedNames().slice(0, 1000);
    return { peer: this.ctx.name, control: this.ctx.control(), stable: m.stable, leader: m.leader, partition: m.partition, members: m.members, applications, subtrees, history, counters: m.counters, provides };
  }

  private tree(c: Prim, attributes: boolean): ComponentStatus {
    const loc = this.ctx.publicLocation(c);
    const type = this.ctx.host.registry.displayName(c.type);
    const s: ComponentStatus = { name: c.name, path: loc?.path ?? c.path, type, state: c.state, peer: this.ctx.name, children: c.children.map((x) => this.tree(x, attributes)) };
    if (attributes && !(c instanceof RemoteSubtree)) s.attributes = publishedAttributes(c);
    if (type !== c.type) s.sfClass = c.type;
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
