/**
 * Recovery of a peer from its checkpoint store (docs/design/recovery.md §3, §4): every recorded
 * tree is rebuilt, parents before children, from the checkpointed attributes (not the
 * description's), reported `recovering`, marked `recovered` (a `recovered` event each, with
 * how the previous incarnation ended), and driven through deploy and start again. Components
 * read the marker: Exec adopts or restarts its process, workflows resume where their
 * attributes say.
 *
 * An application whose root never got past `deploying` was interrupted while it was being
 * deployed: some of its parts may not exist yet. It is rolled back (its records released and
 * deleted, nothing of it rebuilt) and reported in `interrupted`, so that what is recovered is
 * never a partial application reported as running.
 *
 * Records that `planRecovery` calls finished (terminating, terminated or failed, and what
 * is under them) or orphans are deleted in one commit first, after the component type's
 * `finishRecovered` hook, if it has one, has released what the record holds (Exec kills a
 * process it left running). The exception: the record of a child that ended while its
 * parent lives is kept and handed to the parent (`Prim.recoveredChildren`) until the
 * parent's next checkpoint, so that a second crash during recovery still knows it ended.
 *
 * Each application is recovered on its own (docs/design/recovery.md §3.1): one whose records
 * or plan cannot be decoded (SF4811), or whose rebuilding throws (SF4812), is reported in
 * `failed` with the reason, and its records are left exactly as they are (none of them is
 * rolled back, deleted or rewritten); the others are recovered. A store that cannot be read
 * at all still throws (§6.1).
 */
import { FrogError } from '../../core/errors.js';
import { Messages, formatMessage, type MessageEntry } from '../../core/messages/index.js';
import type { DeploymentPlan, EncodedValue, PlanNode } from '../../core/plan-types.js';
import { Description } from '../../core/values.js';
import type { Checkpointer } from './checkpointing.js';
import { decodeValue } from '../../core/canonical.js';
import type { Prim } from '../component/component.js';
import type { ComponentHost, RebuildNode } from '../host/host.js';
import { descriptionToNode } from '../component/plan-nodes.js';
import { restoredAttributes } from './store/attribute-filter.js';
import { StoreCorruptError, reasonOf } from './store/errors.js';
import { planRecovery, type RecoveryNode } from './store/recovery-plan.js';
import type { ComponentKey, ComponentRecord, PeerIncarnation } from './store/record.js';

/** A component class may release what a finished or orphaned record still holds (a process). */
export interface FinishRecovered {
  /** `host` is the host recovering it (its `dataDirectory`, where the component may have kept files). */
  finishRecovered?(record: ComponentRecord, host: ComponentHost): Promise<void>;
}

export interface RecoveryOptions {
  /** Recover only these applications (default: all); records of others are left alone. */
  applications?: string[];
  /** Applications whose root has its parent on another peer (a placed subtree): it watches for the parent's pings. */
  remoteParent?: (app: string) => boolean;
}

export interface RecoveredApplication {
  name: string;
  planId: string;
  root: Prim;
}

/** An application that was not recovered; its records are kept as they were. */
export interface FailedApplication {
  name: string;
  planId: string;
  /** SF4811 (its records, registration or plan cannot be decoded) or SF4812 (rebuilding it threw). */
  code: string;
  /** The reason alone ("the record `b/sfConfig` cannot be decoded: its checksum ..."). */
  reason: string;
  /** The whole message: the application, the reason, where its records are kept. */
  message: string;
}

/** The failure of `name`: the reason of a store error is its own reason, not the store's whole message. */
export function failedApplication(entry: MessageEntry, name: string, planId: string, dir: string, cause: unknown): FailedApplication {
  const reason = typeof cause === 'string' ? cause : cause instanceof FrogError && typeof cause.params.reason === 'string' ? cause.params.reason : cause instanceof Error ? cause.message : String(cause);
  const trimmed = reason.replace(/\.$/, '');
  return { name, planId, code: entry.code, reason: trimmed, message: formatMessage(entry, { name, reason: trimmed, dir }) };
}

export interface RecoveryReport {
  incarnation: PeerIncarnation;
  applications: RecoveredApplication[];
  /** Components rebuilt. */
  rebuilt: number;
  /** Finished records removed (never restarted). */
  finished: number;
  /** Orphan records removed. */
  orphans: number;
  /** Wall time from reading the store until every rebuilt root is running again and durable (ms). */
  durationMs: number;
  /**
   * Applications whose deployment the crash interrupted (their root was still being deployed,
   * or not even recorded): rolled back, never rebuilt half-made. Their registration and plan
   * are kept, so that the caller deploys them again whole; a part placed here by another peer
   * (`remoteParent`) loses its registration too, since its parent decides what runs.
   */
  interrupted: { name: string; planId: string }[];
  /** Applications not recovered (their records kept untouched), with the reason. */
  failed: FailedApplication[];
}

const lastName = (path: string) => path.slice(path.lastIndexOf(':') + 1);
const keyOf = (app: string, path: string) => `${app}\u0000${path}`;

function findPlanNode(plan: DeploymentPlan | undefined, path: string): PlanNode | undefined {
  if (!plan) return undefined;
  const [first, ...rest] = path.split(':');
  let node: PlanNode | undefined = plan.root.name === first ? plan.root : undefined;
  for (const name of rest) node = node?.children.find((c) => c.name === name);
  return node;
}

/** A description held in an attribute (a LAZY action), as a node; undefined when it is not one. */
function attributeNode(attributes: [string, EncodedValue][], name: string, path: string): PlanNode | undefined {
  const pair = attributes.find(([n]) => n === name);
  if (!pair) return undefined;
  try {
    const v = decodeValue(pair[1]);
    return v instanceof Description ? descriptionToNode(name, path, v) : undefined;
  } catch {
    return undefined;
  }
}

export async function recover(host: ComponentHost, checkpointer: Checkpointer, options: RecoveryOptions = {}): Promise<RecoveryReport> {
  const started = performance.now();
  const store = checkpointer.store;
  const incarnation = store.incarnation();
  const only = options.applications ? new Set(options.applications) : undefined;
  const read = await store.readAllChecked();
  // An application with a record that does not decode is left whole as it is: recovering the
  // rest of it would rebuild a part of it, or take its other records for orphans and delete them.
  const failed: FailedApplication[] = [];
  const failedApps = new Set<string>();
  const registeredPlan = async (app: string): Promise<string> => {
    try {
      return (await store.getApplication(app))?.planId ?? '';
    } catch {
      return '';
    }
  };
  for (const d of read.damaged) {
    if ((only && !only.has(d.app)) || failedApps.has(d.app)) continue;
    failedApps.add(d.app);
    const planId = (await registeredPlan(d.app)) || (read.records.find((r) => r.app === d.app)?.planId ?? '');
    failed.push(failedApplication(Messages.ApplicationUnreadable, d.app, planId, store.location, d.reason));
  }
  const all = read.records.filter((r) => (!only || only.has(r.app)) && !failedApps.has(r.app));
  // Interrupted deployments: a root still deploying, or a registration with no record at all.
  const interruptedApps = new Set<string>();
  for (const r of all) if (r.parent === null && r.lifecycle === 'deploying') interruptedApps.add(r.app);
  for (const name of options.applications ?? []) {
    if (failedApps.has(name)) continue;
    if (!all.some((r) => r.app === name) && (await store.getApplication(name))) interruptedApps.add(name);
  }
  const interrupted: { name: string; planId: string }[] = [];
  if (interruptedApps.size) {
    const deletes: ComponentKey[] = [];
    const registrations: string[] = [];
    for (const name of [...interruptedApps].sort()) {
      const entry = await store.getApplication(name);
      const own = all.filter((r) => r.app === name);
      for (const r of [...own].reverse()) {
        if (r.lifecycle === 'terminated' || r.lifecycle === 'failed') continue;
        const cls = host.registry.get(r.description.type) as (FinishRecovered & (new () => Prim)) | undefined;
        try {
          await cls?.finishRecovered?.(r, host);
        } catch {
          // Best effort: the record goes either way.
        }
      }
      deletes.push(...own.map(({ app, path }) => ({ app, path })));
      if (options.remoteParent?.(name)) registrations.push(name);
      interrupted.push({ name, planId: entry?.planId ?? own[0]?.planId ?? '' });
    }
    await store.commit({ delete: deletes, deleteApplications: registrations });
  }
  const records = all.filter((r) => !interruptedApps.has(r.app));
  const plan = planRecovery(records);

  const rebuilt = new Set(plan.rebuild.map((r) => keyOf(r.app, r.path)));
  const ended = new Map<string, Map<string, 'terminated' | 'failed'>>();
  const deletes: ComponentKey[] = [];
  for (const r of [...plan.finished, ...plan.orphans]) {
    const terminal = r.lifecycle === 'terminated' || r.lifecycle === 'failed';
    if (terminal && r.parent !== null && rebuilt.has(keyOf(r.app, r.parent))) {
      const k = keyOf(r.app, r.parent);
      if (!ended.has(k)) ended.set(k, new Map());
      ended.get(k)!.set(lastName(r.path), r.lifecycle as 'terminated' | 'failed');
      continue;
    }
    if (!terminal) {
      const cls = host.registry.get(r.description.type) as (FinishRecovered & (new () => Prim)) | undefined;
      try {
        await cls?.finishRecovered?.(r, host);
      } catch {
        // Best effort: the record goes either way, it must never come back.
      }
    }
    deletes.push({ app: r.app, path: r.path });
  }
  if (deletes.length) await store.commit({ delete: deletes });

  const plans = new Map<string, DeploymentPlan | undefined>();
  const applications: RecoveredApplication[] = [];
  let rebuiltCount = 0;
  for (const tree of plan.trees) {
    const app = tree.record.app;
    let planId = tree.record.planId;
    let deployed: DeploymentPlan | undefined;
    try {
      planId = (await store.getApplication(app))?.planId ?? tree.record.planId;
      if (!plans.has(planId)) plans.set(planId, planId ? await store.getPlan(planId) : undefined);
      deployed = plans.get(planId);
    } catch (error) {
      // Its registration or plan does not decode: the application is damaged, the store is not.
      failed.push(failedApplication(Messages.ApplicationUnreadable, app, planId, store.location, error));
      continue;
    }
    let nodes = 0;
    // The plan node at a record's path, found from its parent's (one map of children per plan
    // node) rather than walking the plan from its root for each of 10,000 records.
    const childIndex = new Map<PlanNode, Map<string, PlanNode>>();
    const childNamed = (parent: PlanNode | undefined, name: string): PlanNode | undefined => {
      if (!parent) return undefined;
      let index = childIndex.get(parent);
      if (!index) {
        index = new Map();
        for (const child of parent.children) if (!index.has(child.name)) index.set(child.name, child);
        childIndex.set(parent, index);
      }
      return index.get(name);
    };
    const build = (n: RecoveryNode, parentNode?: PlanNode, parentRecord?: ComponentRecord, parentAtPath?: PlanNode): RebuildNode => {
      const r = n.record;
      nodes++;
      const name = lastName(r.path);
      // Every checkpointed value is decoded once before anything is rebuilt: a value that does
      // not decode (one that fails validation, say) is a damaged record, and would otherwise fail
      // its component halfway through, the application's records then deleted as it ends.
      for (const [attribute, value] of r.attributes) {
        try {
          decodeValue(value);
        } catch (error) {
          throw new StoreCorruptError(store.location, `the record \`${r.app}/${r.path}\` cannot be decoded: its attribute \`${attribute}\` ${reasonOf(error)}`);
        }
      }
      // The description's own children (a workflow's actions): from the plan, else from the
      // parent's description, else from the recorded children.
      // The plan node at this path whatever its type (what `findPlanNode` finds), for the children.
      const atPath = parentRecord ? childNamed(parentAtPath, name) : findPlanNode(deployed, r.path);
      let described = atPath;
      if (described && described.type !== r.description.type) described = undefined;
      described ??= parentNode?.children.find((c) => c.name === name && c.type === r.description.type);
      if (!described && parentRecord) {
        const fromAttr = attributeNode(parentRecord.attributes, name, r.path);
        if (fromAttr?.type === r.description.type) described = fromAttr;
      }
      const children: RebuildNode[] = [];
      const node: PlanNode = {
        name,
        path: r.path,
        type: r.description.type,
        host: r.description.host,
        attributes: restoredAttributes(r.description, r.attributes, r.tags),
        lazy: r.description.lazy,
        children: [],
      };
      const tags = { ...(r.description.tags ?? {}), ...(r.tags ?? {}) };
      if (Object.keys(tags).length) node.tags = tags;
      for (const child of n.children) children.push(build(child, described ?? node, r, atPath));
      node.children = described ? described.children : children.map((c) => c.node);
      const endedHere = ended.get(keyOf(r.app, r.path));
      checkpointer.expect(node, {
        app: r.app,
        planId: r.planId,
        description: r.description,
        stored: r.attributes,
        record: r,
        endedChildren: endedHere ? [...endedHere.keys()].map((c) => `${r.path}:${c}`) : [],
      });
      return endedHere ? { node, name, children, finishedChildren: endedHere } : { node, name, children };
    };
    let root: Prim;
    try {
      // Decoding the checkpointed attributes, or constructing the root (its type, its module),
      // may throw: nothing of the application ran yet, and its records are as they were.
      const rebuildTree = build(tree);
      root = await host.rebuild(rebuildTree, null, deployed?.source ?? '', app);
    } catch (error) {
      failed.push(failedApplication(error instanceof StoreCorruptError ? Messages.ApplicationUnreadable : Messages.ApplicationRecoveryFailed, app, planId, store.location, error));
      continue;
    }
    rebuiltCount += nodes;
    const details = {
      lastShutdown: incarnation.lastShutdown,
      previousEpoch: incarnation.previousEpoch,
      epoch: incarnation.epoch,
      incarnation: incarnation.incarnation,
      ...(incarnation.lastShutdownReason ? { shutdownReason: incarnation.lastShutdownReason } : {}),
    };
    const announce = (p: Prim): void => {
      host.emit(p, 'recovered', { application: app, ...details });
      for (const c of p.children) announce(c);
    };
    announce(root);
    await host.runApplication(root, app, options.remoteParent?.(app) ?? false);
    applications.push({ name: app, planId, root });
  }
  await checkpointer.flushed();
  return {
    incarnation,
    applications,
    rebuilt: rebuiltCount,
    finished: plan.finished.length,
    orphans: plan.orphans.length,
    durationMs: performance.now() - started,
    interrupted,
    failed,
  };
}

/**
 * Removes an application from the store without running it (`frog run --replace`): each
 * record's type may release what it holds first (`finishRecovered`), then the records, the
 * registration and the plan go in one commit.
 */
export async function discardApplication(host: ComponentHost, checkpointer: Checkpointer, app: string): Promise<number> {
  const store = checkpointer.store;
  const read = await store.readAllChecked();
  const records = read.records.filter((r) => r.app === app);
  // Records that do not decode (a damaged application being replaced) go by their keys.
  const damaged = read.damaged.filter((d): d is ComponentKey & typeof d => d.app === app && d.path !== undefined);
  for (const r of [...records].reverse()) {
    if (r.lifecycle === 'terminated' || r.lifecycle === 'failed') continue;
    const cls = host.registry.get(r.description.type) as (FinishRecovered & (new () => Prim)) | undefined;
    try {
      await cls?.finishRecovered?.(r, host);
    } catch {
      // Best effort, as in recovery.
    }
  }
  let entry: { planId: string } | undefined;
  let registered = false;
  try {
    entry = await store.getApplication(app);
    registered = entry !== undefined;
  } catch {
    registered = true; // a registration that does not decode goes too
  }
  const others = entry ? (await store.listApplicationsChecked()).applications.filter((a) => a.name !== app && a.planId === entry.planId) : [];
  await store.commit({
    delete: [...records.map(({ app: a, path }) => ({ app: a, path })), ...damaged.map(({ app: a, path }) => ({ app: a, path }))],
    deleteApplications: registered ? [app] : [],
    deletePlans: entry && !others.length ? [entry.planId] : [],
  });
  return records.length + damaged.length;
}
