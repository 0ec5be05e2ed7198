/**
 * A checkpoint store in memory, with the LMDB store's semantics, for unit tests of the
 * modules that use a store (component host, recovery, CLI).
 *
 * The data lives in a `MemoryStorage`, which plays the data directory: give the same
 * storage to a new store object to "restart the peer" (after `close()`, or after
 * `close({ clean: false })` to play a crash). Values are kept encoded by the same codec, so
 * what the LMDB store rejects is rejected here too, and reads return copies. Commits are
 * grouped the same way (one group per event turn while a group is in flight).
 */
import type { DeploymentPlan } from '../../../core/plan-types.js';
import type { CheckpointChanges, CheckpointStore, CloseOptions, CommitStats, DamagedEntry, OpenOptions } from './checkpoint-store.js';
import { compareKeys, decodeApplication, decodeHistory, decodePlan, decodeRecord } from './codec.js';
import { StoreClosedError, StoreLockedError, StoreUnavailableError } from './errors.js';
import {
  GroupCommitter,
  META_FORMAT,
  META_HISTORY,
  META_PEER,
  META_SHUTDOWN,
  encodeChanges,
  corruption,
  reading,
  shutdownMarker,
  startIncarnation,
  type GroupWriter,
  type Table,
  type WriteOp,
} from './group-commit.js';
import type { ApplicationEntry, ComponentKey, ComponentRecord, HistoryEntry, PeerIncarnation } from './record.js';

function keyString(key: string | [string, string]): string {
  return typeof key === 'string' ? key : `${key[0]}\u0000${key[1]}`;
}

/** The memory store's "data directory": survives the store objects that use it. */
export class MemoryStorage {
  readonly tables: Record<Table, Map<string, Buffer>> = {
    records: new Map(),
    plans: new Map(),
    apps: new Map(),
    meta: new Map(),
  };
  /** The store object that holds this storage open, standing in for the lock file. */
  owner: MemoryCheckpointStore | null = null;

  constructor(readonly label = 'memory') {}

  /** For tests: sets a raw value, as a damaged or foreign store would hold. */
  setRaw(table: Table, key: string | [string, string], value: Buffer): void {
    this.tables[table].set(keyString(key), value);
  }
}

export class MemoryCheckpointStore implements CheckpointStore, GroupWriter {
  readonly location: string;
  private readonly committer = new GroupCommitter(this);
  private current: PeerIncarnation | null = null;
  private isOpen = false;
  private closing = false;

  constructor(readonly storage: MemoryStorage = new MemoryStorage()) {
    this.location = storage.label;
  }

  async open(options: OpenOptions = {}): Promise<PeerIncarnation> {
    if (this.isOpen) throw new StoreUnavailableError(this.location, 'the store is already open');
    if (this.storage.owner && this.storage.owner !== this) throw new StoreLockedError(this.location, process.pid);
    this.storage.owner = this;
    try {
      const t = this.storage.tables;
      const { incarnation, ops } = startIncarnation(
        {
          format: t.meta.get(META_FORMAT),
          peer: t.meta.get(META_PEER),
          shutdown: t.meta.get(META_SHUTDOWN),
          hasData: t.records.size + t.plans.size + t.apps.size > 0,
        },
        this.location,
        options.epoch ?? Date.now(),
      );
      this.isOpen = true;
      this.closing = false;
      await this.committer.submit(ops);
      this.current = incarnation;
      return incarnation;
    } catch (error) {
      this.isOpen = false;
      this.storage.owner = null;
      throw error;
    }
  }

  async close(options: CloseOptions = {}): Promise<void> {
    if (!this.isOpen) return;
    this.closing = true;
    try {
      await this.committer.idle();
      if (options.clean ?? true) await this.committer.submit([shutdownMarker(Date.now(), options.reason)]);
    } finally {
      this.isOpen = false;
      this.current = null;
      if (this.storage.owner === this) this.storage.owner = null;
    }
  }

  commit(changes: CheckpointChanges): Promise<void> {
    if (!this.isOpen || this.closing) return Promise.reject(new StoreClosedError(this.location));
    let ops: WriteOp[];
    try {
      ops = encodeChanges(changes, this.location);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.committer.submit(ops);
  }

  /** GroupWriter: applies the group at once; memory is "durable" as soon as it is written. */
  writeGroup(commits: WriteOp[][]): { committed: Promise<unknown>; durable: Promise<(Error | undefined)[]> } {
    const t = this.storage.tables;
    for (const ops of commits) {
      for (const op of ops) {
        const table = t[op.table];
        const key = keyString(op.key);
        if (op.value === null) table.delete(key);
        else if (!op.ifAbsent || !table.has(key)) table.set(key, op.value);
      }
    }
    const durable = Promise.resolve(commits.map(() => undefined));
    return { committed: durable, durable };
  }

  private tables(): Record<Table, Map<string, Buffer>> {
    if (!this.isOpen) throw new StoreClosedError(this.location);
    return this.storage.tables;
  }

  async readAll(): Promise<ComponentRecord[]> {
    const records = [...this.tables().records.entries()].map(([key, bytes]) =>
      reading(this.location, `the record \`${key.replace('\u0000', '/')}\``, () => decodeRecord(bytes)),
    );
    return records.sort(compareKeys);
  }

  async readAllChecked(): Promise<{ records: ComponentRecord[]; damaged: DamagedEntry[] }> {
    const records: ComponentRecord[] = [];
    const damaged: DamagedEntry[] = [];
    for (const [key, bytes] of this.tables().records.entries()) {
      const at = key.indexOf('\u0000');
      const app = key.slice(0, at);
      const path = key.slice(at + 1);
      try {
        records.push(decodeRecord(bytes));
      } catch (error) {
        damaged.push({ app, path, reason: corruption(this.location, `the record \`${app}/${path}\``, error).params.reason as string });
      }
    }
    return { records: records.sort(compareKeys), damaged: damaged.sort((a, b) => compareKeys(a as ComponentKey, b as ComponentKey)) };
  }

  async listApplicationsChecked(): Promise<{ applications: ApplicationEntry[]; damaged: DamagedEntry[] }> {
    const applications: ApplicationEntry[] = [];
    const damaged: DamagedEntry[] = [];
    for (const [name, bytes] of this.tables().apps.entries()) {
      try {
        applications.push(decodeApplication(bytes));
      } catch (error) {
        damaged.push({ app: name, reason: corruption(this.location, `the registration of \`${name}\``, error).params.reason as string });
      }
    }
    return { applications: applications.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), damaged };
  }

  async get(key: ComponentKey): Promise<ComponentRecord | undefined> {
    const bytes = this.tables().records.get(keyString([key.app, key.path]));
    return bytes === undefined ? undefined : reading(this.location, `the record \`${key.app}/${key.path}\``, () => decodeRecord(bytes));
  }

  async getPlan(id: string): Promise<DeploymentPlan | undefined> {
    const bytes = this.tables().plans.get(id);
    return bytes === undefined ? undefined : reading(this.location, `the plan \`${id}\``, () => decodePlan(bytes));
  }

  async listPlans(): Promise<string[]> {
    return [...this.tables().plans.keys()].sort();
  }

  async getApplication(name: string): Promise<ApplicationEntry | undefined> {
    const bytes = this.tables().apps.get(name);
    return bytes === undefined ? undefined : reading(this.location, `the application \`${name}\``, () => decodeApplication(bytes));
  }

  async listApplications(): Promise<ApplicationEntry[]> {
    const entries = [...this.tables().apps.entries()].map(([name, bytes]) =>
      reading(this.location, `the application \`${name}\``, () => decodeApplication(bytes)),
    );
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getHistory(): Promise<HistoryEntry[]> {
    const bytes = this.tables().meta.get(META_HISTORY);
    return bytes === undefined ? [] : reading(this.location, 'the history', () => decodeHistory(bytes));
  }

  incarnation(): PeerIncarnation {
    if (!this.current) throw new StoreClosedError(this.location);
    return { ...this.current };
  }

  stats(): CommitStats {
    return { commits: this.committer.commits, transactions: this.committer.transactions };
  }
}
