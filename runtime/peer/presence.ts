/**
 * The peer's own entry in the state space, `peer/<name>` = `{name, id, epoch, control, load}`:
 * other peers find its control address there. Published once the peer listens; the load is
 * updated at most once a second.
 */
import type { TimerHandle } from '../../core/clock.js';
import type { PublishedState, StateValue } from '../state/state-access.js';
import type { PeerContext } from './context.js';

export class PeerPresence {
  private self?: PublishedState;
  private loadTimer?: TimerHandle;

  constructor(private readonly ctx: PeerContext) {}

  publish(): void {
    this.self = this.ctx.state.publish(`peer/${this.ctx.name}`, this.value());
  }

  loadChanged(): void {
    if (this.loadTimer || !this.self || this.ctx.stopping()) return;
    this.loadTimer = this.ctx.clock.setTimeout(() => {
      this.loadTimer = undefined;
      if (!this.ctx.stopping() && this.self && !this.self.withdrawn) this.self.update(this.value());
    }, 1000);
  }

  withdraw(): void {
    this.self?.withdraw();
  }

  /** Cancels an update not yet made. */
  cancel(): void {
    this.loadTimer?.cancel();
  }

  private value(): StateValue {
    const id = this.ctx.member.identity;
    return { name: this.ctx.name, id: id.id, epoch: id.epoch, control: this.ctx.control(), load: this.ctx.load() };
  }
}
