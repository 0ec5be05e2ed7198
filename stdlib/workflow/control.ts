/**
 * Try, Terminator, Run, If and WaitFor (docs/design/components.md §6).
 */
import type { PlanNode } from '../../core/plan-types.js';
import { Prim } from '../../runtime/component/component.js';
import { Messages } from '../../core/messages/index.js';
import { ComponentError, abnormalRecord, errorText, normalRecord, type TerminationRecord } from '../../runtime/component/lifecycle.js';
import { isCondition, type ConditionComponent } from '../conditions.js';
import { WorkflowCompound } from './workflow-compound.js';

/**
 * Starts `action`; when it terminates, deploys the description named after the record's
 * type (`normal`, `abnormal`, or any other type string, docs/design/components.md §6) if there is one,
 * and terminates when that follow-on does. No follow-on ⇒ the record is forwarded.
 *
 * The action is the attribute `action` and nothing else: every other description may be a
 * handler, whatever its name (a handler `timeout` catches records of type "timeout"), so
 * none can be taken for the action. A Try without `action` fails at start (SF4005).
 */
export class Try extends WorkflowCompound {
  private handling = false;

  protected override action(): PlanNode | undefined {
    return this.description('action');
  }

  protected override async start(): Promise<void> {
    await this.createChild(this.requireAction());
  }

  protected override onChildTerminated(_child: Prim | null, record: TerminationRecord): void {
    // Only the action's end chooses a handler (the action is the only child until then);
    // a handler's end is the Try's end.
    const handler = !this.handling && record.type !== 'action' ? this.description(record.type) : undefined;
    if (!handler) {
      this.forward(record);
      return;
    }
    this.handling = true;
    this.log(`action terminated (${record.type}): running \`${record.type}\``);
    this.background(async () => void (await this.createChild(handler)));
  }
}

/**
 * Terminates the component `kill` (a LAZY reference) with a record of `type` ("normal"),
 * reason `description`, detaching it first when `detachFirst`; then terminates itself with
 * `selftype` ("normal"). Failing to find or kill the target ⇒ itself abnormally.
 */
export class Terminator extends WorkflowCompound {
  protected override async start(): Promise<void> {
    const type = this.resolveString('type', 'normal');
    const description = this.resolveString('description', `terminated by \`${this.path}\``);
    const selftype = this.resolveString('selftype', 'normal');
    let target: Prim | undefined;
    if (this.hasAttribute('kill')) {
      try {
        target = this.resolveComponent('kill');
      } catch (e) {
        void this.sfTerminate(abnormalRecord(`cannot find the component to terminate: ${errorText(e)}`, this.path, e));
        return;
      }
    }
    let ancestor = false;
    if (target) {
      for (let p: Prim | null = this.parent; p; p = p.parent) if (p === target) ancestor = true;
      if (target === this) ancestor = true;
      if (this.resolveBoolean('detachFirst', false)) target.sfDetach();
      this.log(`terminating \`${target.path}\` (${type})`);
      void target.sfTerminate({ type, reason: description, path: target.path });
    }
    // Terminating an ancestor terminates this component too; nothing more to do then.
    if (ancestor) return;
    const record: TerminationRecord = { type: selftype, reason: description, path: this.path };
    if (selftype === 'normal') this.finished(record);
    else void this.sfTerminate(record);
  }
}

/**
 * Deploys `action` without making it a child: as a new application named `newComponentName`
 * (or `asName`), or as a child of `newComponentParent` (or `parent`, a LAZY reference; needs
 * a name); then terminates normally. A creation failure ⇒ abnormal.
 */
export class Run extends WorkflowCompound {
  protected override async start(): Promise<void> {
    const action = this.requireAction();
    const name = this.resolveOptionalString('newComponentName') ?? this.resolveOptionalString('asName');
    const parentAttr = this.hasAttribute('newComponentParent') ? 'newComponentParent' : this.hasAttribute('parent') ? 'parent' : undefined;
    let created: Prim | undefined;
    if (parentAttr) {
      if (!name) throw new ComponentError(Messages.MissingAttribute, { name: 'newComponentName', path: this.path }, this.path);
      const parent = this.resolveComponent(parentAttr);
      created = await parent.createChild(action, name);
    } else {
      created = await this.host.deployApplication(action, name ?? '');
    }
    if (!created || (created.record && created.record.type !== 'normal')) {
      const record = created?.record ?? abnormalRecord('the new component could not be created', this.path);
      void this.sfTerminate({ ...record, path: record.path || this.path });
      return;
    }
    this.finished(normalRecord(`deployed \`${created.path}\``, this.path));
  }
}

/** Shared by If and WaitFor: deploys the `condition` description as a child and checks it. */
abstract class Conditional extends WorkflowCompound {
  protected condition?: Prim & ConditionComponent;
  protected branch?: Prim;

  protected async deployCondition(): Promise<boolean> {
    const node = this.description('condition');
    if (!node) throw new ComponentError(Messages.MissingAttribute, { name: 'condition', path: this.path }, this.path);
    const c = await this.createChild(node);
    if (!c || c.isTerminating) return false;
    if (!isCondition(c)) throw new ComponentError(`\`${c.path}\` (${c.type}) is not a condition component.`, this.path);
    this.condition = c;
    return true;
  }

  /** Removes the condition, then runs `then` or `else` (or terminates normally without one). */
  protected async choose(branchName: 'then' | 'else', missing: () => void): Promise<void> {
    const c = this.condition;
    this.condition = undefined;
    if (c) await this.terminateChild(c);
    const node = this.description(branchName);
    if (!node) {
      missing();
      return;
    }
    this.branch = await this.createChild(node);
  }

  protected override onChildTerminated(child: Prim | null, record: TerminationRecord): void {
    if (child && child === this.condition && record.type === 'normal') {
      // A condition that terminates by itself has nothing more to say; keep the last answer.
      this.condition = undefined;
      return;
    }
    this.forward(record);
  }
}

/** Deploys and evaluates `condition`, then deploys `then` or `else`; terminates when that does (at once if absent). */
export class If extends Conditional {
  protected override async start(): Promise<void> {
    if (!(await this.deployCondition())) return;
    const result = await this.condition!.evaluate();
    this.log(`condition is ${result}`);
    await this.choose(result ? 'then' : 'else', () => this.finished(normalRecord(`condition is ${result}; no \`${result ? 'then' : 'else'}\``, this.path)));
  }
}

/**
 * Evaluates `condition` every `interval` ms (default 1000) until it is true ⇒ `then`, or
 * `timeout` ms pass (default 10000) ⇒ `else`. Without the chosen branch it terminates
 * normally; FailingWaitFor terminates abnormally with `failureText` on timeout instead.
 */
export class WaitFor extends Conditional {
  protected failOnTimeout = false;
  private deadline = 0;

  protected override async start(): Promise<void> {
    if (!(await this.deployCondition())) return;
    const timeout = this.resolveNumber('timeout', 10_000);
    this.deadline = this.host.clock.now() + timeout;
    this.background(() => this.poll());
  }

  private async poll(): Promise<void> {
    if (this.isTerminating || !this.condition) return;
    if (await this.condition.evaluate()) {
      this.log('condition is true');
      await this.choose('then', () => this.finished(normalRecord('condition is true', this.path)));
      return;
    }
    if (this.isTerminating) return;
    const interval = this.resolveNumber('interval', 1000);
    const now = this.host.clock.now();
    if (now >= this.deadline) {
      const text = this.resolveString('failureText', `timed out waiting for \`${this.path}:condition\``);
      await this.choose('else', () => {
        if (this.failOnTimeout) void this.sfTerminate({ type: 'abnormal', reason: text, path: this.path });
        else this.finished(normalRecord(text, this.path));
      });
      return;
    }
    this.setTimer(() => this.background(() => this.poll()), Math.min(interval, this.deadline - now));
  }
}

export class FailingWaitFor extends WaitFor {
  protected override failOnTimeout = true;
}
