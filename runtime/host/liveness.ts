/**
 * Liveness (docs/design/components.md §4). A LivenessSender exists only at application roots and at
 * components whose parent is on another peer: every `sfLivenessDelay` seconds it pings its
 * component, which pings its children with a deadline of delay × factor (see Prim.sfPing),
 * so a hung component is noticed by its parent and failed.
 *
 * A ParentWatchdog is the child side, for a component whose parent is remote: each ping from
 * the parent refreshes `lastPinged`; when no ping came for delay × factor seconds, the parent
 * is presumed dead and the component terminates itself abnormally.
 */
import { Messages, formatMessage } from '../../core/messages/index.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Prim } from '../component/component.js';
import { errorText } from '../component/lifecycle.js';

export class LivenessSender {
  private timer?: TimerHandle;
  private inFlight = false;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly target: Prim,
  ) {}

  start(): void {
    if (this.target.liveness.delay <= 0) return;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => this.tick(), this.target.liveness.delay * 1000);
  }

  private tick(): void {
    if (this.stopped || this.target.isTerminating) return;
    this.schedule();
    // One ping at a time: a slow subtree is judged by its own deadlines, not by overlapping pings.
    if (this.inFlight) return;
    this.inFlight = true;
    const { delay, factor } = this.target.liveness;
    let deadline: TimerHandle | undefined;
    const late = new Promise<'late'>((r) => (deadline = this.clock.setTimeout(() => r('late'), delay * factor * 1000)));
    Promise.race([this.target.sfPing(this).then(() => 'ok' as const), late])
      .then((outcome) => {
        if (outcome === 'late' && !this.target.isTerminating) {
          const reason = formatMessage(Messages.LivenessFailure, { path: this.target.path, seconds: delay * factor });
          void this.target.sfTerminate({ type: 'abnormal', reason, path: this.target.path, cause: { name: 'LivenessFailure', message: reason, code: Messages.LivenessFailure.code } });
        }
      })
      .catch((e) => {
        if (!this.target.isTerminating) void this.target.sfTerminate({ type: 'abnormal', reason: `liveness ping failed: ${errorText(e)}`, path: this.target.path });
      })
      .finally(() => {
        deadline?.cancel();
        this.inFlight = false;
      });
  }
}

export class ParentWatchdog {
  private timer?: TimerHandle;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly target: Prim,
  ) {}

  start(): void {
    if (this.target.liveness.delay <= 0) return;
    this.target.lastPinged = this.clock.now();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => this.tick(), this.target.liveness.delay * 1000);
  }

  private tick(): void {
    if (this.stopped || this.target.isTerminating) return;
    const { delay, factor } = this.target.liveness;
    const silentFor = this.clock.now() - this.target.lastPinged;
    if (silentFor > delay * factor * 1000) {
      const reason = formatMessage(Messages.ParentUnreachable, { path: this.target.path, seconds: Math.round(silentFor / 1000) });
      void this.target.sfTerminate({ type: 'abnormal', reason, path: this.target.path, cause: { name: 'ParentUnreachable', message: reason, code: Messages.ParentUnreachable.code } });
      return;
    }
    this.schedule();
  }
}
