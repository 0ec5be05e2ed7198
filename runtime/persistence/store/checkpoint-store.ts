/**
 * The checkpoint store: where a peer keeps the live model of every component it runs, so
 * that a restarted peer rebuilds what it was running (docs/design/recovery.md).
 *
 * Contract, for every implementation (LMDB for peers, memory for unit tests):
 *
 * - Ownership. One store object per data directory per process, and one process per data
 *   directory: `open()` takes the directory's lock and refuses a second live owner
 *   (`StoreLockedError`). The store owns its files; callers own the records they pass in:
 *   `commit` encodes them before it returns, so a caller may mutate or reuse its objects
 *   at once, and records read back are fresh copies.
 * - Durability. `commit(changes)` resolves only once every change in it is durable: on disk
 *   and flushed for LMDB (it survives kill -9 and power loss), in the backing object for
 *   memory. That moment is when the caller may acknowledge the change (return from the call,
 *   emit the lifecycle event). Until then a crash may or may not keep it; nothing is ever
 *   half kept: the changes of one `commit` are atomic.
 * - Order. Commits apply in call order; inside one `commit`: plans, then record deletes, then
 *   record puts, then application entries, then the history. A later commit's record (or
 *   history) replaces an earlier one.
 * - Group commit. Concurrent commits (made before earlier ones are durable) share one
 *   transaction and one disk flush; each still succeeds or fails on its own. Nothing blocks
 *   the event loop on disk I/O: the work runs on lmdb-js's writer thread.
 * - Failure. A commit whose content cannot be encoded fails alone with
 *   `CheckpointRejectedError`, before anything is written. A disk failure rejects every
 *   commit of the failed group with `StoreWriteError`; what was acknowledged before stays.
 * - Reads are cheap (memory-mapped for LMDB) and see every commit that has resolved. They
 *   are meant for recovery and tooling; a running host keeps its own state in memory.
 */
import type { DeploymentPlan } from '../../../core/plan-types.js';
import type { ApplicationEntry, ComponentKey, ComponentRecord, HistoryEntry, PeerIncarnation } from './record.js';

/** A stored value that cannot be decoded, by its key: a record (`path` given) or a registration. */
export interface DamagedEntry {
  app: string;
  path?: string;
  /** What cannot be read and why ("the record `a/sfConfig` cannot be decoded: its checksum ..."). */
  reason: string;
}

/** One atomic batch of changes. Every field is optional. */
export interface CheckpointChanges {
  /** Plans to keep, by their id (content hash). Putting a plan that is already there is a no-op. */
  plans?: DeploymentPlan[];
  /** Plans no application uses any more. */
  deletePlans?: string[];
  /** Component records to remove (a missing one is not an error). */
  delete?: ComponentKey[];
  /** Component records to write, replacing any with the same key. */
  put?: ComponentRecord[];
  /** Application registrations to write. */
  applications?: ApplicationEntry[];
  /** Application registrations to remove, by name. */
  deleteApplications?: string[];
  /**
   * The peer's history of ended applications, whole and oldest first: it replaces the stored
   * one. At most HISTORY_LIMIT entries (the writer drops the oldest); a longer list, or a
   * malformed entry, rejects the commit (`CheckpointRejectedError`).
   */
  history?: HistoryEntry[];
}

export interface OpenOptions {
  /** The epoch of this peer incarnation; defaults to now. Raised if needed to stay above the stored one. */
  epoch?: number;
}

export interface CloseOptions {
  /**
   * True (the default) for a deliberate stop, such as `frog peer` on SIGTERM: a marker is
   * written so that the next `open()` reports `lastShutdown: "clean"`. False closes without
   * the marker, as a crash would, for a peer stopping on a fatal error.
   */
  clean?: boolean;
  /** Why the peer stopped, kept with the clean marker ("SIGTERM", "upgrade"). */
  reason?: string;
}

/** Counters for tests and benchmarks: they show that commits are grouped. */
export interface CommitStats {
  /** `commit` calls that succeeded. */
  commits: number;
  /** Write transactions (groups) run, each followed by one flush. */
  transactions: number;
}

export interface CheckpointStore {
  /** The data directory, or a label for the memory store; every error names it. */
  readonly location: string;

  /**
   * Takes the directory lock, opens or creates the store, checks its format version, reads
   * and clears the shutdown marker and records the new incarnation (durably).
   * Throws `StoreLockedError`, `StoreVersionError`, `StoreCorruptError` or `StoreUnavailableError`.
   */
  open(options?: OpenOptions): Promise<PeerIncarnation>;

  /**
   * Waits for commits in flight, writes the clean marker (unless `clean: false`), closes the
   * files and releases the lock. Commits made after `close` was called reject with `StoreClosedError`.
   */
  close(options?: CloseOptions): Promise<void>;

  /** Applies the changes atomically; resolves once they are durable (see the contract above). */
  commit(changes: CheckpointChanges): Promise<void>;

  /** Every component record, from one consistent snapshot, ordered by application and path. */
  readAll(): Promise<ComponentRecord[]>;

  /**
   * Every component record that decodes, from one consistent snapshot, ordered by application
   * and path, and the keys of those that do not (a failed checksum, bytes that are not a record)
   * with the reason: one damaged record is one damaged application, not a damaged store
   * (docs/design/recovery.md §3.1). A store whose tree cannot be walked still throws `StoreCorruptError`.
   */
  readAllChecked(): Promise<{ records: ComponentRecord[]; damaged: DamagedEntry[] }>;

  /** Every registration that decodes, ordered by name, and the names of those that do not. */
  listApplicationsChecked(): Promise<{ applications: ApplicationEntry[]; damaged: DamagedEntry[] }>;

  /** One record, or undefined. */
  get(key: ComponentKey): Promise<ComponentRecord | undefined>;

  /** A plan by its id, or undefined. */
  getPlan(id: string): Promise<DeploymentPlan | undefined>;

  /** The ids of every stored plan. */
  listPlans(): Promise<string[]>;

  /** An application's registration, or undefined. */
  getApplication(name: string): Promise<ApplicationEntry | undefined>;

  /** Every registered application, ordered by name. */
  listApplications(): Promise<ApplicationEntry[]>;

  /** The stored history of ended applications, oldest first ([] when none was written). */
  getHistory(): Promise<HistoryEntry[]>;

  /** The incarnation returned by the last `open()`. Throws `StoreClosedError` when not open. */
  incarnation(): PeerIncarnation;

  stats(): CommitStats;
}
