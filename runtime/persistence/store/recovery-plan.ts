/**
 * What a restarting peer does with its records (docs/design/recovery.md §3, §4, §6.4 C2–C4), as a pure
 * function so that the rules are tested on their own and the host only executes them:
 *
 * - a **tree** to rebuild starts at each local root (a record whose `parent` is null) and
 *   follows each parent's `children` list in its recorded order; parents come before
 *   children;
 * - a record left `terminating`, `terminated` or `failed` is **finished**, never restarted,
 *   and so is everything under it;
 * - a record that no tree reaches is an **orphan**: its parent is gone, or no longer lists
 *   it (the detach committed but the crash came before the child's records were deleted),
 *   or it sits under another orphan;
 * - a child name a parent lists without a record is reported as **missing**, not an error:
 *   the child may live on another peer, or may not have been checkpointed yet. The host knows
 *   which.
 */
import { childPath, PATH_SEPARATOR, type ComponentKey, type ComponentRecord, type LifecycleState } from './record.js';
import { compareKeys } from './codec.js';

export interface RecoveryNode {
  record: ComponentRecord;
  /** The children to rebuild, in the parent's recorded order. */
  children: RecoveryNode[];
  /** Names in the parent's `children` that have no record here (remote, or never checkpointed). */
  missingChildren: string[];
}

export interface RecoveryPlan {
  /** One tree per local root, ordered by application and path. */
  trees: RecoveryNode[];
  /** Every record to rebuild, parents before children (tree by tree, depth first, recorded order). */
  rebuild: ComponentRecord[];
  /** Records to finish and delete, never restart: terminating, terminated or failed, with their subtrees. Children before parents. */
  finished: ComponentRecord[];
  /** Records no tree reaches. Children before parents, so they can be terminated in that order. */
  orphans: ComponentRecord[];
  /** The keys of `finished` and `orphans`: the records the cleanup commit deletes. */
  deletes: ComponentKey[];
}

const FINISHED_STATES: ReadonlySet<LifecycleState> = new Set(['terminating', 'terminated', 'failed']);

export function isFinishedState(state: LifecycleState): boolean {
  return FINISHED_STATES.has(state);
}

function depth(path: string): number {
  let n = 0;
  for (const ch of path) if (ch === PATH_SEPARATOR) n++;
  return n;
}

/** Children before parents, then by key: the order in which to terminate and delete. */
function leavesFirst(a: ComponentRecord, b: ComponentRecord): number {
  return depth(b.path) - depth(a.path) || compareKeys(a, b);
}

export function planRecovery(records: readonly ComponentRecord[]): RecoveryPlan {
  // Records by application, then by path (the last one of a key wins); "reached" holds these
  // records themselves, so that no key string is built per lookup for 10,000 records.
  const byApp = new Map<string, Map<string, ComponentRecord>>();
  for (const record of records) {
    let paths = byApp.get(record.app);
    if (!paths) byApp.set(record.app, (paths = new Map()));
    paths.set(record.path, record);
  }
  const lookup = (app: string, path: string): ComponentRecord | undefined => byApp.get(app)?.get(path);
  const canonical = (r: ComponentRecord): ComponentRecord => lookup(r.app, r.path) ?? r;

  const reached = new Set<ComponentRecord>();
  const rebuild: ComponentRecord[] = [];
  const finished: ComponentRecord[] = [];

  // Everything under a finished record is finished too, whatever its own state.
  const finish = (record: ComponentRecord): void => {
    const stack = [record];
    // Bounded: each record is visited once (the reached set), so this ends after at most records.length pops.
    while (stack.length > 0) {
      const r = stack.pop()!;
      const key = canonical(r);
      if (reached.has(key)) continue;
      reached.add(key);
      finished.push(r);
      for (const name of r.children) {
        const child = lookup(r.app, childPath(r.path, name));
        if (child && child.parent === r.path) stack.push(child);
      }
    }
  };

  const build = (record: ComponentRecord): RecoveryNode => {
    reached.add(canonical(record));
    rebuild.push(record);
    const node: RecoveryNode = { record, children: [], missingChildren: [] };
    for (const name of record.children) {
      const child = lookup(record.app, childPath(record.path, name));
      if (!child || child.parent !== record.path) node.missingChildren.push(name);
      else if (reached.has(child)) continue; // listed twice: rebuild it once
      else if (isFinishedState(child.lifecycle)) finish(child);
      else node.children.push(build(child));
    }
    return node;
  };

  const roots = records.filter((r) => r.parent === null).sort(compareKeys);
  const trees: RecoveryNode[] = [];
  for (const root of roots) {
    if (reached.has(canonical(root))) continue;
    if (isFinishedState(root.lifecycle)) finish(root);
    else trees.push(build(root));
  }

  const orphans = records.filter((r) => !reached.has(canonical(r))).sort(leavesFirst);
  finished.sort(leavesFirst);
  const deletes = [...finished, ...orphans].map(({ app, path }) => ({ app, path }));
  return { trees, rebuild, finished, orphans, deletes };
}
