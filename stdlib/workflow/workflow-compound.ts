/**
 * The base of the workflow combinators (docs/design/components.md §6): an EventCompound creates no
 * children when it is deployed; its eager child descriptions are collected, in order, as
 * actions, and children are created at start or later. When its work is done it calls
 * `finished`, which honours `sfShouldTerminate` (true by default for combinators).
 */
import type { PlanNode } from '../../core/plan-types.js';
import { Prim } from '../../runtime/component/component.js';
import { Messages } from '../../core/messages/index.js';
import { ComponentError, type TerminationRecord } from '../../runtime/component/lifecycle.js';

export class WorkflowCompound extends Prim {
  protected override shouldTerminateByDefault = true;

  /**
   * The actions: the eager child descriptions, in order; with the legacy `actions`
   * attribute (a description), the descriptions inside it.
   */
  protected actions(): PlanNode[] {
    const legacy = this.description('actions');
    if (legacy) return legacy.children;
    return this.childNodes();
  }

  /** The `action` attribute, else the first action; undefined when there is none. */
  protected action(): PlanNode | undefined {
    return this.description('action') ?? this.actions()[0];
  }

  /**
   * The action, or a ComponentError naming the missing attribute: SF4005 in words of its own
   * (test/runtime/combinators.test.ts expects both the code and `has no \`action\``).
   */
  protected requireAction(): PlanNode {
    const a = this.action();
    if (!a) throw new ComponentError(`\`${this.path}\` has no \`action\` to run.`, this.path, Messages.MissingAttribute.code);
    return a;
  }

  /** Terminates the way a child did: normally through `finished`, otherwise at once. */
  protected forward(record: TerminationRecord): void {
    if (record.type === 'normal') this.finished(record);
    else void this.sfTerminate(record);
  }

  /** Default for combinators: a child's termination is forwarded. */
  protected override onChildTerminated(_child: Prim | null, record: TerminationRecord): void {
    this.forward(record);
  }
}
