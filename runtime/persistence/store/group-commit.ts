/**
 * What both stores share below the `CheckpointStore` interface: turning a batch of changes
 * into encoded writes, the group-commit queue, and the incarnation/shutdown-marker rules.
 * Keeping them here is what gives the memory store the LMDB store's semantics.
 */
import type { CheckpointChanges } from './checkpoint-store.js';
import { CheckpointRejectedError, StoreCorruptError, StoreVersionError, reasonOf } from './errors.js';
import {
  DecodeError,
  EncodeError,
  checkKey,
  decodeMeta,
  encodeApplication,
  encodeHistory,
  encodeMeta,
  encodePlan,
  encodeRecord,
  keyText,
} from './codec.js';
import type { PeerIncarnation, ShutdownKind } from './record.js';

/** The tables of a store. */
export type Table = 'records' | 'plans' | 'apps' | 'meta';

/** One encoded write. Record keys are `[app, path]`; the other tables use strings. */
export interface WriteOp {
  table: Table;
  key: string | [string, string];
  /** The encoded value, or null to delete. */
  value: Buffer | null;
  /** Only write when the key is absent (plans are immutable: same id, same content). */
  ifAbsent?: boolean;
}

/**
 * Encodes a batch in the documented order (plans, record deletes, record puts, applications,
 * the history) before anything is queued, so that a bad value rejects its own commit and nothing else.
 */
export function encodeChanges(changes: CheckpointChanges, location: string): WriteOp[] {
  const ops: WriteOp[] = [];
  let subject = 'a commit';
  try {
    if (changes === null || typeof changes !== 'object') throw new EncodeError('the changes must be an object');
    for (const plan of changes.plans ?? []) {
      subject = `plan ${String(plan?.id)}`;
      ops.push({ table: 'plans', key: plan.id, value: encodePlan(plan), ifAbsent: true });
    }
    for (const id of changes.deletePlans ?? []) {
      subject = `plan ${String(id)}`;
      if (typeof id !== 'string' || id === '') throw new EncodeError('a plan id must be a non-empty string');
      ops.push({ table: 'plans', key: id, value: null });
    }
    for (const key of changes.delete ?? []) {
      subject = key && typeof key === 'object' ? keyText(key) : 'a record key';
      checkKey(key);
      ops.push({ table: 'records', key: [key.app, key.path], value: null });
    }
    for (const record of changes.put ?? []) {
      subject = record && typeof record === 'object' ? keyText(record) : 'a record';
      ops.push({ table: 'records', key: [record.app, record.path], value: encodeRecord(record) });
    }
    for (const entry of changes.applications ?? []) {
      subject = `application ${String(entry?.name)}`;
      ops.push({ table: 'apps', key: entry.name, value: encodeApplication(entry) });
    }
    for (const name of changes.deleteApplications ?? []) {
      subject = `application ${String(name)}`;
      if (typeof name !== 'string' || name === '') throw new EncodeError('an application name must be a non-empty string');
      ops.push({ table: 'apps', key: name, value: null });
    }
    if (changes.history !== undefined) {
      subject = 'the history';
      ops.push({ table: 'meta', key: META_HISTORY, value: encodeHistory(changes.history) });
    }
  } catch (error) {
    if (error instanceof EncodeError) throw new CheckpointRejectedError(location, subject, error.message);
    throw new CheckpointRejectedError(location, subject, error instanceof Error ? error.message : String(error));
  }
  return ops;
}

/**
 * The writing half of a store, driven by `GroupCommitter`.
 *
 * `writeGroup` writes every commit of a group in one transaction, which is atomic: all of it
 * becomes durable or none of it. It must not block on I/O. It returns two promises:
 * `committed` once the transaction is committed (the next group may then be started: its
 * transaction can commit while this one is still being flushed), and `durable` once the
 * group is on disk, with one entry per commit: undefined for success or that commit's error.
 * `durable` rejects when the whole group failed.
 */
export interface GroupWriter {
  writeGroup(commits: WriteOp[][]): { committed: Promise<unknown>; durable: Promise<(Error | undefined)[]> };
}

interface PendingCommit {
  ops: WriteOp[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Group commit: commits queue up; a group takes every queued commit one event turn after the
 * first of them arrived, and the next group starts as soon as the previous transaction is
 * committed, so its transaction overlaps the previous one's disk flush. One flush per group
 * rather than per commit; groups are written in order, so durability follows call order.
 */
export class GroupCommitter {
  private queue: PendingCommit[] = [];
  private running: Promise<void> | null = null;
  /** Groups whose durability is not yet known. */
  private inFlight = new Set<Promise<void>>();
  commits = 0;
  transactions = 0;

  constructor(private readonly writer: GroupWriter) {}

  submit(ops: WriteOp[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    // Bounded: each pass waits for work that was already submitted.
    while (this.running || this.inFlight.size > 0) {
      if (this.running) await this.running;
      await Promise.all([...this.inFlight]);
    }
  }

  private async drain(): Promise<void> {
    // Bounded: every pass takes the whole queue.
    while (this.queue.length > 0) {
      // Let the commits of this event turn (and of promise continuations it runs) join the group.
      await nextTurn();
      const group = this.queue.splice(0);
      let write: ReturnType<GroupWriter['writeGroup']>;
      try {
        write = this.writer.writeGroup(group.map((c) => c.ops));
      } catch (error) {
        for (const commit of group) commit.reject(error);
        continue;
      }
      this.transactions++;
      const settled = write.durable.then(
        (failures) =>
          group.forEach((commit, i) => {
            const failure = failures[i];
            if (failure) commit.reject(failure);
            else {
              this.commits++;
              commit.resolve();
            }
          }),
        (error) => group.forEach((commit) => commit.reject(error)),
      );
      this.inFlight.add(settled);
      void settled.then(() => this.inFlight.delete(settled));
      await write.committed.catch(() => undefined);
    }
    this.running = null;
  }
}

/** The store format this code reads and writes. Bump it on any incompatible change of layout or encoding. */
export const STORE_NAME = 'frogpond-checkpoints';
export const STORE_FORMAT = 1;

export const META_FORMAT = 'format';
export const META_PEER = 'peer';
export const META_SHUTDOWN = 'shutdown';
/** The history of ended applications (a peer's, written whole by runtime/peer/history.ts). */
export const META_HISTORY = 'history';

/** What `open()` found in the meta table. */
export interface StoredMeta {
  format?: Uint8Array;
  peer?: Uint8Array;
  shutdown?: Uint8Array;
  /** True when any other table has an entry (a store without a format record is then corrupt). */
  hasData: boolean;
}

/**
 * Checks the format record and computes the new incarnation; returns the writes that
 * record it (format for a new store, the incarnation, the cleared shutdown marker).
 */
export function startIncarnation(
  meta: StoredMeta,
  location: string,
  requestedEpoch: number,
): { incarnation: PeerIncarnation; ops: WriteOp[] } {
  const ops: WriteOp[] = [];
  const read = (bytes: Uint8Array, what: string): Record<string, unknown> => {
    try {
      return decodeMeta(bytes);
    } catch (error) {
      throw new StoreCorruptError(location, `its ${what} record cannot be read (${(error as Error).message})`, error);
    }
  };
  if (!meta.format) {
    if (meta.hasData || meta.peer) throw new StoreCorruptError(location, 'its format record is missing');
    ops.push({ table: 'meta', key: META_FORMAT, value: encodeMeta({ store: STORE_NAME, version: STORE_FORMAT }) });
  } else {
    const format = read(meta.format, 'format');
    if (format.store !== STORE_NAME) {
      throw new StoreVersionError(location, `it is not a frogpond checkpoint store (it says \`${String(format.store)}\`)`);
    }
    if (format.version !== STORE_FORMAT) {
      throw new StoreVersionError(location, `its format is version ${String(format.version)}, this frogpond reads version ${STORE_FORMAT}`);
    }
  }
  const peer = meta.peer ? read(meta.peer, 'peer') : undefined;
  const previousEpoch = typeof peer?.epoch === 'number' ? peer.epoch : null;
  const previousCount = typeof peer?.incarnation === 'number' ? peer.incarnation : 0;
  const shutdown = meta.shutdown ? read(meta.shutdown, 'shutdown') : undefined;
  const lastShutdown: ShutdownKind = !peer ? 'none' : shutdown?.kind === 'clean' ? 'clean' : 'crash';
  // Epochs tell incarnations apart, so they must grow even if the clock went back.
  const epoch = previousEpoch !== null && requestedEpoch <= previousEpoch ? previousEpoch + 1 : requestedEpoch;
  const incarnation: PeerIncarnation = {
    epoch,
    incarnation: previousCount + 1,
    previousEpoch,
    lastShutdown,
    ...(lastShutdown === 'clean' && typeof shutdown?.time === 'number' ? { lastShutdownTime: shutdown.time } : {}),
    ...(lastShutdown === 'clean' && typeof shutdown?.reason === 'string' ? { lastShutdownReason: shutdown.reason } : {}),
  };
  ops.push({ table: 'meta', key: META_PEER, value: encodeMeta({ epoch, incarnation: incarnation.incarnation }) });
  // Clearing the marker now is what makes the next start see a crash unless this incarnation closes cleanly.
  if (meta.shutdown) ops.push({ table: 'meta', key: META_SHUTDOWN, value: null });
  return { incarnation, ops };
}

/** The clean-shutdown marker written by `close({ clean: true })`. */
export function shutdownMarker(time: number, reason?: string): WriteOp {
  return { table: 'meta', key: META_SHUTDOWN, value: encodeMeta({ kind: 'clean', time, reason }) };
}

/** The `StoreCorruptError` for a failed read of `what` (a decoding failure, or LMDB's own). */
export function corruption(location: string, what: string, error: unknown): StoreCorruptError {
  const reason =
    error instanceof DecodeError ? `${what} cannot be decoded: ${error.message}` : `reading ${what} failed (${reasonOf(error)})`;
  return new StoreCorruptError(location, reason, error);
}

/** Runs a read, turning a decoding or storage failure into `StoreCorruptError` naming what was read. */
export function reading<T>(location: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw corruption(location, what, error);
  }
}
