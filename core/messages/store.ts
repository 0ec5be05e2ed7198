/**
 * SF48xx: the checkpoint store (runtime/persistence/store/) and checkpointing
 * (runtime/persistence/). Part of the one catalogue (index.ts).
 */
import { entry, fragment, type MessageEntry } from './entry.js';

export const StoreMessages = {
  // --- SF48xx: checkpoint store (runtime/persistence/store/) and checkpointing ------------
  StoreLocked: entry('SF4801', 'Store', 'The data directory `{dir}` is in use by another peer (process {pid}).', 'Stop that peer first, or give this one another `--data` directory.'),
  StoreIncompatible: entry('SF4802', 'Store', 'The data directory `{dir}` was written by an incompatible version: {reason}.', 'Run the frogpond version that wrote it, or move the directory aside to start with an empty store.'),
  StoreCorrupt: entry('SF4803', 'Store', 'The checkpoint store in `{dir}` is corrupt: {reason}.', 'Restore the directory from a backup, or move it aside to start with an empty store (its components will not be recovered).'),
  StoreUnavailable: entry('SF4804', 'Store', 'The data directory `{dir}` cannot be used: {reason}.', 'Check that the directory exists or can be created, and that this user may read and write it.'),
  StoreWriteFailed: entry('SF4805', 'Store', 'A checkpoint could not be written to `{dir}`: {reason}.'),
  StoreClosed: entry('SF4806', 'Store', 'The checkpoint store in `{dir}` is closed.'),
  CheckpointRejected: entry('SF4807', 'Store', 'The checkpoint of `{subject}` was rejected: {reason}.'),
  ApplicationPlanMismatch: entry('SF4808', 'Store', 'The data directory `{dir}` already holds the application `{name}` from another plan (id {stored}); this plan has id {plan}.', 'Run the same description again to recover that application, or add `--replace` to terminate it and deploy this one.'),
  /** A deploy or start transition whose checkpoint could not be written (runtime/persistence/checkpointing.ts): a termination reason. */
  CheckpointFailed: fragment('SF4809', 'Store', 'its checkpoint could not be written: {reason}'),
  DeploymentInterrupted: entry('SF4810', 'Store', 'The deployment of `{name}` was interrupted by the previous stop; {action}.'),
  /**
   * One application of the store could not be recovered (runtime/persistence/recovery.ts,
   * docs/design/recovery.md §3.1): the peer starts without it, records it as failed in its
   * history and keeps its records where they are.
   */
  ApplicationUnreadable: entry(
    'SF4811',
    'Store',
    'The application `{name}` was not recovered: {reason}. Its records are kept, untouched, in `{dir}`.',
    'Deploy an application of the same name to replace it (`frog run --replace` for frog run), or restore the data directory from a backup; the other applications run.',
  ),
  ApplicationRecoveryFailed: entry(
    'SF4812',
    'Store',
    'The application `{name}` could not be rebuilt from its records: {reason}. Its records are kept, untouched, in `{dir}`.',
    'Deploy an application of the same name to replace it (`frog run --replace` for frog run); the other applications run.',
  ),
} as const satisfies Record<string, MessageEntry>;
