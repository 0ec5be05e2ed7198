/**
 * Sequence, Parallel, Repeat and Retry (components.md §6).
 */
import type { PlanNode } from '../../compiler/plan-types.js';
import type { Prim } from '../../runtime/component.js';
import { normalRecord, type TerminationRecord } from '../../runtime/lifecycle.js';
import { WorkflowCompound } from './workflow-compound.js';

/**
 * Runs its actions one after another: each normal termination starts the next; after the
 * last, terminates normally. An abnormal termination or a creation failure terminates the
 * sequence with that record. Empty ⇒ terminates normally at start.
 */
export class Sequence extends WorkflowCompound {
  private queue: PlanNode[] = [];
  private index = 0;

  protected override async start(): Promise<void> {
    this.queue = this.actions();
    await this.next();
  }

  private async next(): Promise<void> {
    if (this.isTerminating) return;
    if (this.index >= this.queue.length) {
      this.finished(normalRecord('sequence completed', this.path));
      return;
    }
    await this.createChild(this.queue[this.index++]);
  }

  protected override onChildTerminated(_child: Prim | null, record: TerminationRecord): void {
    if (record.type === 'normal') this.background(() => this.next());
    else void this.sfTerminate(record);
  }
}

/**
 * Runs all its actions at once. Each normal termination removes a child; when the last has
 * gone, terminates normally. Attributes: `asynchCreateChild false`, `terminateOnEmptyDeploy
 * false`, `terminateOnAbnormalChildTermination true`, `terminateOnAbnormalChildDeploy true`.
 */
export class Parallel extends WorkflowCompound {
  private pending = 0;

  protected override async start(): Promise<void> {
    const actions = this.actions();
    this.pending = actions.length;
    if (!actions.length) {
      if (this.resolveBoolean('terminateOnEmptyDeploy', false)) this.finished(normalRecord('nothing to run', this.path));
      return;
    }
    if (this.resolveBoolean('asynchCreateChild', false)) {
      for (const a of actions) this.background(async () => void (await this.createChild(a)));
    } else {
      for (const a of actions) {
        if (this.isTerminating) break;
        await this.createChild(a);
      }
    }
  }

  protected override onChildTerminated(child: Prim | null, record: TerminationRecord): void {
    if (record.type !== 'normal') {
      // A child that never reached running failed while being created.
      const option = child === null || !child.hasRun ? 'terminateOnAbnormalChildDeploy' : 'terminateOnAbnormalChildTermination';
      if (this.resolveBoolean(option, true)) {
        void this.sfTerminate(record);
        return;
      }
    }
    this.pending--;
    if (this.pending <= 0) this.finished(normalRecord('all parallel actions completed', this.path));
  }
}

/**
 * Runs a fresh copy of `action` each time the previous one terminates normally, `repeat`
 * times in all (`-1`: forever, §12-B3); then terminates normally. Abnormal ⇒ forwarded.
 * `count` holds the number of runs so far.
 */
export class Repeat extends WorkflowCompound {
  private runs = 0;

  protected override async start(): Promise<void> {
    this.requireAction();
    await this.run();
  }

  private async run(): Promise<void> {
    if (this.isTerminating) return;
    const repeat = this.resolveInteger('repeat', 1);
    if (repeat >= 0 && this.runs >= Math.max(repeat, 0)) {
      this.finished(normalRecord(`repeated ${this.runs} times`, this.path));
      return;
    }
    this.runs++;
    this.sfReplaceAttribute('count', this.runs);
    await this.createChild(this.requireAction());
  }

  protected override onChildTerminated(_child: Prim | null, record: TerminationRecord): void {
    if (record.type === 'normal') this.background(() => this.run());
    else void this.sfTerminate(record);
  }
}

/**
 * Runs `action`; after an abnormal termination, runs a fresh copy while the retries used are
 * fewer than `retry` (a count, §12-B4); then forwards the abnormal record. Normal ⇒
 * terminates normally. `count` holds the attempts so far.
 */
export class Retry extends WorkflowCompound {
  private attempts = 0;

  protected override async start(): Promise<void> {
    this.requireAction();
    await this.attempt();
  }

  private async attempt(): Promise<void> {
    if (this.isTerminating) return;
    this.attempts++;
    this.sfReplaceAttribute('count', this.attempts);
    if (this.attempts > 1) this.log(`retrying (attempt ${this.attempts})`);
    await this.createChild(this.requireAction());
  }

  protected override onChildTerminated(_child: Prim | null, record: TerminationRecord): void {
    if (record.type === 'normal') {
      this.finished(record);
      return;
    }
    const retries = this.resolveInteger('retry', 1);
    if (this.attempts - 1 < retries) this.background(() => this.attempt());
    else void this.sfTerminate(record);
  }
}
