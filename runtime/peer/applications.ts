/**
 * The applications deployed through this peer (docs/design/control.md §6.1, §6.3): `deploy`
 * replaces the parts placed on other peers by proxies and waits for the root as long as asked;
 * `terminate` ends an application where its root runs, asking the other peers when not here.
 */
import type { TimerHandle } from '../../core/clock.js';
import { Messages, formatMessage } from '../../core/messages/index.js';
import type { Prim } from '../component/component.js';
import { abnormalRecord, errorText, normalRecord, type TerminationRecord } from '../component/lifecycle.js';
import type { PeerEntry } from './peer-state.js';
import { ControlRefusal } from '../control/control-server.js';
import { refuse, type AnswerOf, type CheckedOf } from '../control/protocol.js';
import type { PeerContext } from './context.js';
import { parseSubtreeAppName, placePlan } from './placement.js';

/**
 * A deploy accepted and not yet registered with the host. Its name is taken from the moment
 * the deploy is accepted (checked and reserved in one synchronous step, so of two deploys of
 * one name exactly one wins), and a terminate that arrives meanwhile is remembered and carried
 * out the moment the root exists, before it deploys.
 */
interface Reservation {
  terminate?: TerminationRecord;
  /** The root once the host registered it. */
  root?: Prim;
  /** Settles when the deploy has a root or has failed. */
  settled: Promise<void>;
}

/** How long a deploy waits for each other peer's answer about a name. */
const CLAIM_TIMEOUT_MS = 3000;
/** How many times a peer that did not answer about names is asked again, a second apart. */
const RECONCILE_ATTEMPTS = 10;

export class Applications {
  private readonly reserved = new Map<string, Reservation>();

  /**
   * Set by the peer: discards the kept records of an application of this name that could not be
   * recovered (resume.ts), before a new one of the name is deployed; how many went, or undefined.
   */
  replaceFailed?: (name: string) => Promise<number | undefined>;

  constructor(private readonly ctx: PeerContext) {}

  /** True while a deploy of `name` is accepted and not yet registered. */
  isReserved(name: string): boolean {
    return this.reserved.has(name);
  }

  /** When each application running here was deployed (epoch ms): recovered ones keep their first time. */
  private readonly since = new Map<string, number>();

  /** A recovered application, deployed at `registered`. */
  recovered(name: string, registered: number): void {
    this.since.set(name, registered);
  }

  /** `application-claim`: whether this peer runs `app` (and since when), or has accepted a deploy of it. */
  claim(r: CheckedOf<'application-claim'>): AnswerOf<'application-claim'> {
    const root = this.ctx.host.application(r.app);
    const running = Boolean(root && !root.isTerminating);
    const since = this.since.get(r.app);
    return { running, reserved: this.reserved.has(r.app), ...(running && since !== undefined ? { since } : {}) };
  }

  /**
   * A peer came into view: two copies of one application name may have run apart (a deploy
   * while this peer was down or cut off). For each application here, the peer is asked; the
   * copy deployed later stays, the older one terminates (ties: the peer whose name sorts first
   * keeps it). Both sides run this when they see each other, so exactly one copy remains.
   */
  async reconcile(peer: PeerEntry, attempt = 0): Promise<void> {
    let unanswered = false;
    for (const name of this.ctx.host.applicationNames()) {
      if (parseSubtreeAppName(name)) continue;
      const root = this.ctx.host.application(name);
      const ours = this.since.get(name);
      if (!root || root.isTerminating || ours === undefined) continue;
      let theirs: AnswerOf<'application-claim'>;
      try {
        theirs = await this.ctx.link.call(peer.control, 'application-claim', { app: name }, CLAIM_TIMEOUT_MS);
      } catch {
        unanswered = true; // asked again shortly (its links may still be forming)
        continue;
      }
      if (!theirs.running) continue;
      if (theirs.since === undefined) {
        unanswered = true; // it runs the name but cannot tell since when yet: asked again
        continue;
      }
      if (theirs.since > ours || (theirs.since === ours && peer.name < this.ctx.name)) {
        const reason = formatMessage(Messages.ApplicationReplaced, { name, peer: peer.name });
        if (this.ctx.host.application(name) === root) await root.sfTerminate(abnormalRecord(reason, root.path));
      }
    }
    if (unanswered && attempt < RECONCILE_ATTEMPTS && !this.ctx.stopping()) {
      this.ctx.clock.setTimeout(() => void this.reconcile(peer, attempt + 1), 1000);
    }
  }

  /**
   * An application name is the group's, not one peer's: before a deploy goes on, every other
   * present peer is asked (in parallel, bounded) whether it runs the name or has accepted a
   * deploy of it. One that runs it refuses this deploy; of two peers that accepted the same name
   * at the same moment, the one whose name sorts first keeps it, so exactly one deploy wins. A
   * peer that cannot be asked (cut off) does not stop the deploy: a partition may hold two.
   */
  private async claimInGroup(name: string): Promise<void> {
    const others = this.ctx.directory.entries().filter((p) => p.name !== this.ctx.name);
    const answers = await Promise.all(
      others.map((p) =>
        this.ctx.link.call(p.control, 'application-claim', { app: name }, CLAIM_TIMEOUT_MS).then(
          (a) => ({ peer: p.name, ...a }),
          () => undefined,
        ),
      ),
    );
    for (const a of answers) {
      if (!a) continue;
      if (a.running || (a.reserved && a.peer < this.ctx.name)) {
        throw new ControlRefusal(Messages.ApplicationExists, { name, peer: a.peer }, 409);
      }
    }
  }

  /** `deploy` → `{app, peer, state, record?}`: the root's state when the wait ended. */
  async deploy(r: CheckedOf<'deploy'>): Promise<AnswerOf<'deploy'>> {
    const { plan, name, wait } = r;
    const { host, checkpointer } = this.ctx;
    if (host.application(name) || this.reserved.has(name)) {
      throw new ControlRefusal(Messages.ApplicationExists, { name, peer: this.ctx.name }, 409);
    }
    let settle!: () => void;
    const reservation: Reservation = { settled: new Promise<void>((resolve) => (settle = resolve)) };
    this.reserved.set(name, reservation);
    const release = () => {
      if (this.reserved.get(name) === reservation) this.reserved.delete(name);
      settle();
    };
    const onRoot = (root: Prim) => {
      reservation.root = root;
      if (reservation.terminate) void root.sfTerminate(reservation.terminate);
    };
    let deploying: Promise<Prim>;
    try {
      await this.claimInGroup(name);
      const placed = placePlan(plan, this.ctx.name);
      // Warnings (an attribute a class does not list) were shown when the plan was compiled.
      const diagnostics = (await host.registry.preparePlan(placed)).filter((d) => d.severity === 'error');
      if (diagnostics.length) throw new ControlRefusal(diagnostics[0]!.code, diagnostics.map((d) => d.message).join(' '), 400);
      const replaced = await this.replaceFailed?.(name);
      if (replaced !== undefined) {
        const text = `the application \`${name}\` that could not be recovered is replaced: its ${replaced} kept record${replaced === 1 ? '' : 's'} discarded`;
        host.events.emit({ time: this.ctx.clock.now(), peer: this.ctx.name, event: 'log', subject: name, stream: 'log', text });
      }
      deploying = (checkpointer ? checkpointer.deploy(placed, { name, onRoot }) : host.deploy(placed, { name, onRoot })).then((r) => {
        // No root: it could not be built or its first checkpoint failed; say so, never "deploying".
        if (!r.root) throw new ControlRefusal(r.diagnostics[0]?.code ?? Messages.DeployFailed.code, r.diagnostics.map((d) => d.message).join(' ') || 'the application could not be deployed', 400);
        return r.root;
      });
    } catch (e) {
      release();
      throw e;
    }
    deploying.then((root) => {
      this.since.set(name, this.ctx.clock.now());
      void root.whenTerminated().then(() => {
        if (this.ctx.host.application(name) !== root) this.since.delete(name);
      });
      release();
    }, release);
    let root: Prim | undefined;
    if (wait) {
      let timer: TimerHandle | undefined;
      const late = new Promise<undefined>((resolve) => (timer = this.ctx.clock.setTimeout(() => resolve(undefined), wait)));
      try {
        root = await Promise.race([deploying, late]);
        // A failure is reported once the root has finished terminating.
        if (root?.isTerminating) await Promise.race([root.whenTerminated(), late]);
      } catch (e) {
        if (e instanceof ControlRefusal) throw e;
        refuse('deploy', errorText(e));
      } finally {
        timer?.cancel();
      }
    } else deploying.catch(() => undefined);
    root ??= host.application(name);
    return { app: name, peer: this.ctx.name, state: root?.state ?? 'deploying', ...(root?.record ? { record: root.record } : {}) };
  }

  /** `terminate`: terminates the application where its root runs. */
  async terminate(r: CheckedOf<'terminate'>): Promise<AnswerOf<'terminate'>> {
    const { app, local, parts } = r;
    const record = (path: string) => normalRecord(`terminated by request (frog terminate ${app})`, path);
    const reservation = this.reserved.get(app);
    if (reservation && !reservation.root) {
      // Accepted, not yet registered: ended the moment its root exists (or it never deploys).
      reservation.terminate ??= record('sfConfig');
      await reservation.settled;
      const root = reservation.root as Prim | undefined; // set by onRoot while this awaited
      if (root) await root.whenTerminated();
      return { app, peer: this.ctx.name, terminated: true };
    }
    const root = parseSubtreeAppName(app) ? undefined : this.ctx.host.application(app);
    if (root && !parts) {
      await root.sfTerminate(record(root.path));
      return { app, peer: this.ctx.name, terminated: true };
    }
    if (parts) return this.terminateParts(app, record);
    if (!local) {
      const others = this.ctx.directory.entries().filter((p) => p.name !== this.ctx.name);
      for (const p of others) {
        try {
          const answer = await this.ctx.link.call(p.control, 'terminate', { app, local: true }, 30_000);
          if (answer?.terminated) return answer;
        } catch {
          // That peer does not have it (or cannot be reached): ask the next.
        }
      }
      // No root anywhere: parts it left on peers (its root's peer died, or was cut off) end too.
      let ended = false;
      try {
        await this.terminateParts(app, record);
        ended = true;
      } catch {
        // none here
      }
      const answers = await Promise.all(others.map((p) => this.ctx.link.call(p.control, 'terminate', { app, local: true, parts: true }, 30_000).catch(() => undefined)));
      if (ended || answers.some((a) => a?.terminated)) return { app, peer: this.ctx.name, terminated: true };
    }
    throw new ControlRefusal(Messages.UnknownApplication, { app }, 404);
  }

  /** Ends the parts of `app` placed on this peer (a part whose root is gone); refused when there is none. */
  private async terminateParts(app: string, record: (path: string) => TerminationRecord): Promise<AnswerOf<'terminate'>> {
    const roots = this.ctx.host
      .applicationNames()
      .filter((n) => parseSubtreeAppName(n)?.app === app)
      .map((n) => this.ctx.host.application(n))
      .filter((p): p is Prim => p !== undefined && !p.isTerminating);
    if (!roots.length) throw new ControlRefusal(Messages.UnknownApplication, { app }, 404);
    await Promise.all(roots.map((p) => p.sfTerminate(record(p.path))));
    return { app, peer: this.ctx.name, terminated: true };
  }
}
