/**
 * Compound: a component that creates its eager child descriptions as children when it is
 * deployed and shares their lifecycle (docs/design/components.md §1, §2): children are deployed and
 * started in order after the compound's own hooks; a child's termination, normal or not,
 * terminates the compound with the same record (all or nothing). Subclasses override the
 * hooks of Prim as usual.
 */
import { Prim } from './component.js';

export class Compound extends Prim {
  protected override deploysChildren = true;
}
