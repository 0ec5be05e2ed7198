/**
 * Sequence, Parallel, Repeat and Retry (docs/design/components.md §6).
 */
import type { PlanNode } from '../../core/plan-types.js';
import type { Prim } from '../../runtime/component/component.js';
import { abnormalRecord, normalRecord, type TerminationRecord } from '../../runtime/component/lifecycle.js';
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
    if (this.recovered && this.hasAttribute('step')) {
      // Resume where the checkpoint says: `step` is the index of the step last created.
      const step = this.resolveInteger('step');
      const current = this.queue[step];
      this.index = step;
      if (current && this.children.some((c) => c.name === current.name)) {
        this.index = step + 1; // the recovered step runs on; it is started after this hook
        return;
      }
      const ended = current ? this.recoveredChildren?.get(current.name) : undefined;
      if (ended === 'failed') {
        void this.sfTerminate(abnormalRecord(`step \`${current!.name}\` failed before the peer went down`, this.path));
        return;
      }
      if (ended === 'terminated') this.index = step + 1;
    }
    await this.next();
  }

  private async next(): Promise<void> {
    if (this.isTerminating) return;
    if (this.index >= this.queue.length) {
      this.finished(normalRecord('sequence completed', this.path));
      return;
    }
    const i = this.index++;
    this.sfReplaceAttribute('step', i);
    await this.createChild(this.queue[i]);
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

  /** Names of the actions that have ended (attribute `done`), so that recovery does not run them again. */
  private done: string[] = [];

  protected override async start(): Promise<void> {
    let actions = this.actions();
    this.pending = actions.length;
    if (this.recovered) {
      this.done = this.hasAttribute('done') ? this.resolveStringVector('done') : [];
      for (const [name, how] of this.recoveredChildren ?? []) {
        if (this.done.includes(name)) continue;
        if (how === 'failed' && this.resolveBoolean('terminateOnAbnormalChildTermination', true)) {
          void this.sfTerminate(abnormalRecord(`action \`${name}\` failed before the peer went down`, this.path));
          return;
        }
        this.done.push(name);
      }
      const live = new Set(this.children.map((c) => c.name));
      this.pending = actions.filter((a) => !this.done.includes(a.name)).length;
      if (actions.length && this.pending === 0) {
        this.finished(normalRecord('all parallel actions completed', this.path));
        return;
      }
      // Live actions were rebuilt and are started after this hook; the rest were never created.
      actions = actions.filter((a) => !this.done.includes(a.name) && !live.has(a.name));
      if (!actions.length) return;
    }
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
    if (child) {
      this.done.push(child.name);
      this.sfReplaceAttribute('done', [...this.done]);
    }
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
    const action = this.requireAction();
    if (this.recovered && this.hasAttribute('count')) {
      this.runs = this.resolveInteger('count', 0);
      if (this.children.length) return; // the current run was rebuilt and goes on
      const ended = this.recoveredChildren?.get(action.name);
      if (ended === 'failed') {
        void this.sfTerminate(abnormalRecord(`run ${this.runs} failed before the peer went down`, this.path));
        return;
      }
      // A run recorded but never created (or lost before its first checkpoint) runs again.
      if (ended !== 'terminated') this.runs = Math.max(0, this.runs - 1);
    }
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
    const action = this.requireAction();
    if (this.recovered && this.hasAttribute('count')) {
      this.attempts = this.resolveInteger('count', 0);
      if (this.children.length) return; // the current attempt was rebuilt and goes on
      const ended = this.recoveredChildren?.get(action.name);
      if (ended === 'terminated') {
        this.finished(normalRecord('the action completed before the peer went down', this.path));
        return;
      }
      if (ended === 'failed') {
        this.onChildTerminated(null, abnormalRecord('the action failed before the peer went down', `${this.path}:${action.name}`));
        return;
      }
      this.attempts = Math.max(0, this.attempts - 1);
    }
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
