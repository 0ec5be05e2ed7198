/**
 * The applications deployed through this peer (docs/design/control.md §6.1, §6.3): `deploy`
 * replaces the parts placed on other peers by proxies and waits for the root as long as asked;
 * `terminate` ends an application where its root runs, asking the other peers when not here.
 */
import type { TimerHandle } from '../../core/clock.js';
import { Messages } from '../../core/messages/index.js';
import type { Prim } from '../component/component.js';
import { errorText, normalRecord } from '../component/lifecycle.js';
import { ControlRefusal } from '../control/control-server.js';
import { refuse, type AnswerOf, type CheckedOf } from '../control/protocol.js';
import type { PeerContext } from './context.js';
import { parseSubtreeAppName, placePlan } from './placement.js';

export class Applications {
  constructor(private readonly ctx: PeerContext) {}

  /** `deploy` → `{app, peer, state, record?}`: the root's state when the wait ended. */
  async deploy(r: CheckedOf<'deploy'>): Promise<AnswerOf<'deploy'>> {
    const { plan, name, wait } = r;
    const { host, checkpointer } = this.ctx;
    if (host.application(name)) {
      throw new ControlRefusal(Messages.ApplicationExists, { name, peer: this.ctx.name }, 409);
    }
    const placed = placePlan(plan, this.ctx.name);
    const diagnostics = await host.registry.preparePlan(placed);
    if (diagnostics.length) throw new ControlRefusal(diagnostics[0]!.code, diagnostics.map((d) => d.message).join(' '), 400);
    const deploying = (checkpointer ? checkpointer.deploy(placed, { name }) : host.deploy(placed, { name })).then((r) => {
      // No root: it could not be built or its first checkpoint failed; say so, never "deploying".
      if (!r.root) throw new ControlRefusal(r.diagnostics[0]?.code ?? Messages.DeployFailed.code, r.diagnostics.map((d) => d.message).join(' ') || 'the application could not be deployed', 400);
      return r.root;
    });
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
    const { app, local } = r;
    const root = parseSubtreeAppName(app) ? undefined : this.ctx.host.application(app);
    if (root) {
      await root.sfTerminate(normalRecord(`terminated by request (frog terminate ${app})`, root.path));
      return { app, peer: this.ctx.name, terminated: true };
    }
    if (!local) {
      for (const p of this.ctx.directory.entries()) {
        if (p.name === this.ctx.name) continue;
        try {
          const answer = await this.ctx.link.call(p.control, 'terminate', { app, local: true }, 30_000);
          if (answer?.terminated) return answer;
        } catch {
          // That peer does not have it (or cannot be reached): ask the next.
        }
      }
    }
    throw new ControlRefusal(Messages.UnknownApplication, { app }, 404);
  }
}
