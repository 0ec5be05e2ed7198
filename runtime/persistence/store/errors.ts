/**
 * Run-time failures of the checkpoint store. Every one names the data directory and
 * carries a stable code (SF48xx, core/messages/store.ts) and a hint saying what to do, so
 * that the CLI can print it as it is, without a stack trace.
 */
import { FrogError } from '../../../core/errors.js';
import { Messages, type MessageEntry } from '../../../core/messages/index.js';

export class StoreError extends FrogError {
  /** The data directory (or, for the memory store, its label). */
  readonly directory: string;

  constructor(entry: MessageEntry, args: Record<string, unknown> & { dir: string }, options?: { cause?: unknown }) {
    super(entry, args, options);
    this.name = new.target.name;
    this.directory = args.dir;
  }
}

/** Another live process holds the data directory's lock file. */
export class StoreLockedError extends StoreError {
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(Messages.StoreLocked, { dir, pid });
    this.pid = pid;
  }
}

/** The store was written by another format version (or is not a frogpond store at all). */
export class StoreVersionError extends StoreError {
  constructor(dir: string, reason: string) {
    super(Messages.StoreIncompatible, { dir, reason });
  }
}

/** The store's files or records cannot be read back. */
export class StoreCorruptError extends StoreError {
  constructor(dir: string, reason: string, cause?: unknown) {
    super(Messages.StoreCorrupt, { dir, reason }, { cause });
  }
}

/** The directory is missing and cannot be created, is not a directory, or cannot be read or written. */
export class StoreUnavailableError extends StoreError {
  constructor(dir: string, reason: string, cause?: unknown) {
    super(Messages.StoreUnavailable, { dir, reason }, { cause });
  }
}

/** The disk refused a write (full, read-only, I/O error): the commit did not become durable. */
export class StoreWriteError extends StoreError {
  constructor(dir: string, reason: string, cause?: unknown) {
    super(Messages.StoreWriteFailed, { dir, reason }, { cause });
  }
}

/** A call on a store that is not open. */
export class StoreClosedError extends StoreError {
  constructor(dir: string) {
    super(Messages.StoreClosed, { dir });
  }
}

/**
 * One change of a commit cannot be stored (a value msgpack cannot encode, a key too long,
 * a malformed record). Only that commit is rejected; others in the same group are not.
 */
export class CheckpointRejectedError extends StoreError {
  readonly subject: string;
  constructor(dir: string, subject: string, reason: string) {
    super(Messages.CheckpointRejected, { dir, subject, reason });
    this.subject = subject;
  }
}

/** The text of an unknown thrown value, for error reasons. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\.$/, '');
  return String(error);
}
