/**
 * Components for the multi-peer tests. `Backend` stands for a service with an address chosen
 * when it starts (as a server that binds port 0 would): it publishes it as its attribute
 * `address`, `<peer>/<start time>`, so a reference to it is stale if it still reads an older one.
 */
import { Prim } from '../../runtime/component/component.js';

export class Backend extends Prim {
  protected override async start(): Promise<void> {
    this.sfReplaceAttribute('address', `${this.host.peer}/${this.host.clock.now()}`);
  }
}

/** A compound that outlives its children: a child that ends leaves it running (for removals). */
export class Keeper extends Prim {
  protected override deploysChildren = true;
  protected override onChildTerminated(): void {}
}
