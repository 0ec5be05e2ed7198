/**
 * The checkpoint record: one per component, the unit the store reads and writes
 * (docs/design/pipeline.md §3.8, docs/design/recovery.md §1).
 *
 * A record is plain data: every value must survive a msgpack round trip unchanged, which
 * is why attribute values use the plan's canonical encoding (`EncodedValue`) rather than
 * the compiler's value model.
 */
import type { EncodedValue } from '../../../core/plan-types.js';
import { LIFECYCLE_STATES, type LifecycleState } from '../../component/lifecycle.js';

export type { LifecycleState } from '../../component/lifecycle.js';

export function isLifecycleState(value: unknown): value is LifecycleState {
  return typeof value === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(value);
}

/**
 * The immutable, deploy-time model of a component: its plan node without the children
 * (children have records of their own). Kept in the record, not only in the plan, because
 * components created at run time (a workflow's steps, `sfCreateNewChild`) have no plan node.
 */
export interface StoredDescription {
  /** The component type (`sfClass`). */
  type: string;
  /** The placement (`sfProcessHost`), or "" for wherever the parent is. */
  host: string;
  /** The description's attributes, in order, canonical encoding. */
  attributes: [string, EncodedValue][];
  /** Tags of the description's attributes that have any. */
  tags?: Record<string, string[]>;
  /** Names of the attributes left for run time (LAZY references and functions). */
  lazy: string[];
}

/**
 * Identifies a component within one peer's store. Paths are only unique inside one
 * application (every plan's root is `sfConfig`), so the application name is part of the key.
 */
export interface ComponentKey {
  /** The application (the plan's name). */
  app: string;
  /** The component's path from the application root: `sfConfig:a:b`. */
  path: string;
}

export interface ComponentRecord extends ComponentKey {
  /**
   * The path of the parent when it lives on this peer (and so has a record here), or `null`
   * when this component is the root of a local tree fragment: the application root, or a
   * subtree placed on this peer by a parent that lives on another peer.
   */
  parent: string | null;
  /** The id (content hash) of the plan this component came from. */
  planId: string;
  description: StoredDescription;
  /**
   * The runtime attributes to restore, in order, already filtered by `checkpointAttributes`
   * (no volatile attribute; a cached one holds its first value).
   */
  attributes: [string, EncodedValue][];
  /** Tags of the runtime attributes that have any (so the filter still knows them after recovery). */
  tags?: Record<string, string[]>;
  /** The names of this component's children, in order; a child's path is `path + ':' + name`. */
  children: string[];
  lifecycle: LifecycleState;
  /** The epoch of the peer incarnation that wrote this record. */
  epoch: number;
}

/** The separator between the names of a path (`sfConfig:a:b`). */
export const PATH_SEPARATOR = ':';

export function childPath(parentPath: string, childName: string): string {
  return parentPath + PATH_SEPARATOR + childName;
}

/** The registration of an application in a data directory: `frog run --data DIR FILE` reads it back. */
export interface ApplicationEntry {
  name: string;
  planId: string;
  /** When the application was registered (epoch ms). */
  registered: number;
}

/** How many ended applications a peer's history keeps (the newest; docs/design/recovery.md §6.1). */
export const HISTORY_LIMIT = 100;

/** How an application ended: `terminated` with a normal termination record, `failed` with any other. */
export type HistoryOutcome = 'terminated' | 'failed';

/**
 * One application that ended on this peer (its root ran here), as the peer's history keeps it
 * and `frog status` shows it. The store holds the whole list, oldest first.
 */
export interface HistoryEntry {
  /** The application's name. */
  app: string;
  outcome: HistoryOutcome;
  /** The termination record's reason. */
  reason: string;
  /** The path the termination record names: the component that terminated first. */
  path: string;
  /** When the root ended (epoch ms). */
  time: number;
  /** The peer that ran the application's root. */
  peer: string;
}

/** How the previous incarnation of the peer ended. */
export type ShutdownKind =
  /** The peer stopped deliberately (SIGTERM, `close({ clean: true })`): a planned outage. */
  | 'clean'
  /** The peer stopped without closing the store: kill -9, a crash, a power loss. */
  | 'crash'
  /** There was no previous incarnation: the data directory is new. */
  | 'none';

/** What the store knows about the peer that owns it, returned by `open()`. */
export interface PeerIncarnation {
  /** The epoch of this incarnation (strictly greater than every earlier one in this store). */
  epoch: number;
  /** How many times this store has been opened, this time included (1 for a new store). */
  incarnation: number;
  /** The epoch of the previous incarnation, or null for a new store. */
  previousEpoch: number | null;
  lastShutdown: ShutdownKind;
  /** When the previous incarnation stopped cleanly (epoch ms), if it did. */
  lastShutdownTime?: number;
  /** The reason given to the clean close, if any ("SIGTERM", "upgrade", ...). */
  lastShutdownReason?: string;
}
