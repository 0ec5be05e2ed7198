/** Checkpoints and recovery: the store interface, its LMDB and memory implementations, and the pure rules around them. */
export type { CheckpointStore, CheckpointChanges, DamagedEntry, OpenOptions, CloseOptions, CommitStats } from './checkpoint-store.js';
export {
  isLifecycleState,
  childPath,
  PATH_SEPARATOR,
  type LifecycleState,
  type ComponentKey,
  type ComponentRecord,
  type StoredDescription,
  type ApplicationEntry,
  HISTORY_LIMIT,
  type HistoryEntry,
  type HistoryOutcome,
  type PeerIncarnation,
  type ShutdownKind,
} from './record.js';
export {
  StoreError,
  StoreLockedError,
  StoreVersionError,
  StoreCorruptError,
  StoreUnavailableError,
  StoreWriteError,
  StoreClosedError,
  CheckpointRejectedError,
} from './errors.js';
export { LmdbCheckpointStore } from './lmdb-checkpoint-store.js';
export { MemoryCheckpointStore, MemoryStorage } from './memory-checkpoint-store.js';
export {
  checkpointAttributes,
  restoredAttributes,
  isVolatile,
  isCached,
  BUILT_IN_VOLATILE,
  VOLATILE_TAG,
  CACHED_TAG,
} from './attribute-filter.js';
export { planRecovery, isFinishedState, type RecoveryPlan, type RecoveryNode } from './recovery-plan.js';
