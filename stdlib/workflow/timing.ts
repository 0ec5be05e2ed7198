/**
 * Timeout, During, Delay and DoNothing (docs/design/components.md §6): combinators driven by time.
 * All times are milliseconds and go through the host's clock.
 */
import type { Prim } from '../../runtime/component/component.js';
import { normalRecord, type TerminationRecord } from '../../runtime/component/lifecycle.js';
import { WorkflowCompound } from './workflow-compound.js';

/**
 * Starts `action`; if it has not terminated after `time` ms (`time > 0`), terminates
 * abnormally ("timeout occurred"). The child's termination is forwarded.
 */
export class Timeout extends WorkflowCompound {
  protected override async start(): Promise<void> {
    const action = this.requireAction();
    const time = this.resolveNumber('time', 0);
    if (time > 0) {
      this.setTimer(() => {
        void this.sfTerminate({ type: 'abnormal', reason: `timeout occurred after ${time} ms`, path: this.path });
      }, time);
    }
    await this.createChild(action);
  }
}

/** Like Timeout, but expiry terminates the child and itself normally; `time < 0` = forever. */
export class During extends WorkflowCompound {
  protected override async start(): Promise<void> {
    const action = this.requireAction();
    const time = this.resolveNumber('time', 0);
    if (time >= 0) this.setTimer(() => this.finished(normalRecord(`ran for ${time} ms`, this.path)), time);
    await this.createChild(action);
  }
}

/**
 * Waits `time` ms, then creates the action under the name `running`; with no action,
 * terminates normally after the wait. The child's termination is forwarded.
 */
export class Delay extends WorkflowCompound {
  protected override async start(): Promise<void> {
    const action = this.action();
    const time = this.resolveNumber('time', 0);
    this.setTimer(() => {
      if (!action) this.finished(normalRecord(`waited ${time} ms`, this.path));
      else this.background(async () => void (await this.createChild(action, 'running')));
    }, time);
  }
}

/**
 * Waits `time` ms (default 10000000) and terminates with `terminationType` ("normal"); a
 * test helper. `message` is the termination reason and, when given, is also printed.
 */
export class DoNothing extends WorkflowCompound {
  protected override async start(): Promise<void> {
    const time = this.resolveNumber('time', 10_000_000);
    const type = this.resolveString('terminationType', 'normal');
    const message = this.resolveOptionalString('message');
    if (message !== undefined) this.output(message);
    this.setTimer(() => {
      const record: TerminationRecord = { type, reason: message ?? `DoNothing finished after ${time} ms`, path: this.path };
      void this.sfTerminate(record);
    }, time);
  }

  protected override onChildTerminated(_child: Prim | null, _record: TerminationRecord): void {}
}
