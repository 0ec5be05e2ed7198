/**
 * The checkpoint store of a peer: LMDB through lmdb-js. This is the only module that
 * imports `lmdb` (docs/design/pipeline.md).
 *
 * Layout: `<dataDir>/woodfrog.lmdb` (one environment, LMDB's own `-lock` file beside it),
 * `<dataDir>/peer.lock` (ours, see lock-file.ts). Four named databases, binary values
 * encoded by codec.ts: `records` ([app, path] → component record), `plans` (plan id → plan),
 * `apps` (name → application entry), `meta` (format, peer incarnation, shutdown marker, the
 * history of ended applications).
 *
 * Durability: writes go through lmdb-js's asynchronous transactions, which run the commit
 * and the disk flush off the event loop; a group is acknowledged after its transaction
 * promise resolves (committed, visible) *and* `flushed` resolves (synced: the default
 * `overlappingSync` mode syncs after the commit, and `flushed` is that sync). No
 * synchronous transaction is ever run (docs/design/recovery.md §6.3).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { DeploymentPlan } from '../../../core/plan-types.js';
import type { CheckpointChanges, CheckpointStore, CloseOptions, CommitStats, DamagedEntry, OpenOptions } from './checkpoint-store.js';
import {
  compareKeys,
  decodeApplication,
  decodeHistory,
  decodePlan,
  decodeRecord,
  keyText,
} from './codec.js';
import {
  StoreClosedError,
  StoreCorruptError,
  StoreError,
  StoreUnavailableError,
  StoreVersionError,
  StoreWriteError,
  reasonOf,
} from './errors.js';
import {
  GroupCommitter,
  META_FORMAT,
  META_HISTORY,
  META_PEER,
  META_SHUTDOWN,
  corruption,
  encodeChanges,
  shutdownMarker,
  startIncarnation,
  type GroupWriter,
  type Table,
  type WriteOp,
} from './group-commit.js';
import { DataDirectoryLock } from './lock-file.js';
import type { ApplicationEntry, ComponentKey, ComponentRecord, HistoryEntry, PeerIncarnation } from './record.js';

export const LMDB_FILE_NAME = 'woodfrog.lmdb';

/** The LMDB data version that the bundled lmdb-js writes (read from its meta pages). */
const LMDB_DATA_VERSION = 2;
const LMDB_MAGIC = 0xbeefc0de;
const P_META = 0x08;

type Key = string | [string, string];
/** lmdb-js accepts put flags as a third argument (README "putSync"), which its type declarations omit. */
interface PutWithOptions {
  put(key: Key, value: Buffer, options: { noOverwrite: boolean }): Promise<boolean>;
}

/**
 * Checks the two meta pages of an existing LMDB file before lmdb-js maps it: lmdb-js
 * trusts them and a garbage or truncated file can bring the whole process down in native
 * code, which must never happen to a peer. Offsets are those of lmdb-js 3 (its page header
 * is 24 bytes; magic and version follow; the page size is the free database's `md_pad`).
 */
export function checkLmdbFile(file: string, directory: string): void {
  let bytes: Buffer;
  let size: number;
  try {
    size = fs.statSync(file).size;
    if (size === 0) return; // LMDB initialises an empty file
    const fd = fs.openSync(file, 'r');
    try {
      bytes = Buffer.alloc(Math.min(size, 65536 * 2));
      fs.readSync(fd, bytes, 0, bytes.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw new StoreUnavailableError(directory, `\`${LMDB_FILE_NAME}\` cannot be read (${reasonOf(error)})`, error);
  }
  const corrupt = (reason: string) => new StoreCorruptError(directory, `\`${LMDB_FILE_NAME}\` ${reason}`);
  if (size < 2 * 512) throw corrupt(`is truncated (${size} bytes)`);
  const checkMeta = (offset: number, which: string): void => {
    if ((bytes.readUInt16LE(offset + 0x12) & P_META) === 0 || bytes.readUInt32LE(offset + 0x18) !== LMDB_MAGIC) {
      throw corrupt(`has no valid ${which} meta page (it is not an LMDB file, or it was overwritten)`);
    }
    const version = bytes.readUInt32LE(offset + 0x1c);
    if (version !== LMDB_DATA_VERSION) {
      throw new StoreVersionError(directory, `\`${LMDB_FILE_NAME}\` has LMDB data version ${version}, this frogpond uses ${LMDB_DATA_VERSION}`);
    }
  };
  checkMeta(0, 'first');
  const pageSize = bytes.readUInt32LE(0x30);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw corrupt(`has an invalid page size (${pageSize})`);
  if (size < 2 * pageSize) throw corrupt(`is truncated (${size} bytes)`);
  checkMeta(pageSize, 'second');
  // Every page a meta page counts (its last page number, 8 bytes after the two database
  // records) must be in the file: a file cut short would fault when LMDB touches a page past
  // its end (SIGBUS), bringing the peer down instead of giving an error.
  const lastPage = Math.max(Number(bytes.readBigUInt64LE(0x90)), Number(bytes.readBigUInt64LE(pageSize + 0x90)));
  const needed = (lastPage + 1) * pageSize;
  if (size < needed) throw corrupt(`is truncated (${size} bytes; its pages reach byte ${needed})`);
}

/**
 * Beside the LMDB file, a small marker says that a store was created in this directory. A
 * directory with the marker but no LMDB file, or an empty one, lost its store (deleted,
 * truncated to nothing): it is refused, never started afresh over what it recorded.
 */
export const STORE_MARKER_NAME = 'woodfrog.created';

/** The free space a store needs to be opened (its first pages, the incarnation, some commits). */
export const MIN_FREE_BYTES = 1024 * 1024;

function writeMarker(directory: string): void {
  const file = path.join(directory, STORE_MARKER_NAME);
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify({ store: 'frogpond-checkpoints', file: LMDB_FILE_NAME, created: new Date().toISOString() })}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const dirFd = fs.openSync(directory, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/**
 * Why a commit failed, as lmdb-js reports it: a failed transaction rejects with "Commit failed"
 * and carries the system's error in a `commitError` promise, which is read here (and so never
 * left unhandled). A full disk shows as ENOSPC or, from the writer thread, as EIO.
 */
/**
 * lmdb-js starts each event-turn batch with a write of its own whose promise nobody holds;
 * when the transaction fails (a full disk), that promise rejects unhandled, which would end
 * the process although the failure is reported through the commit that failed. Such
 * rejections, and only those, are absorbed; any other unhandled rejection is left to the
 * process's other listeners, or, when there is none, thrown as Node would throw it.
 */
let absorbing = false;
function absorbLmdbBatchRejections(): void {
  if (absorbing) return;
  absorbing = true;
  process.on('unhandledRejection', (reason) => {
    const commitError = (reason as { commitError?: Promise<unknown> } | null)?.commitError;
    if (reason instanceof Error && reason.message.startsWith('Commit failed') && commitError && typeof commitError.catch === 'function') {
      commitError.catch(() => undefined);
      return;
    }
    // Another listener (the application's own) handles the rest; alone, do what Node would.
    if (process.listenerCount('unhandledRejection') > 1) return;
    throw reason;
  });
}

/** How long closing waits for lmdb-js to finish its last transaction. */
const CLOSE_TIMEOUT_MS = 5000;

async function boundedClose(root: RootDatabase): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closing = Promise.resolve(root.close());
  closing.catch(() => undefined);
  let timedOut = false;
  try {
    await Promise.race([closing, new Promise<void>((resolve) => (timer = setTimeout(() => resolve(void (timedOut = true)), CLOSE_TIMEOUT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    // The environment itself is closed, so that its file is released (its writer is idle:
    // the transaction it waited for failed).
    const env = (root as unknown as { env?: { close?: () => void; address?: number } }).env;
    try {
      if (env?.close && env.address) {
        env.address = 0;
        env.close();
      }
    } catch {
      // already closed
    }
  }
}

function writeFailureReason(error: unknown): string {
  const inner = (error as { commitError?: Promise<unknown> } | null)?.commitError;
  let reason = reasonOf(error);
  if (inner && typeof inner.catch === 'function') {
    inner.catch(() => undefined);
    reason = 'the commit failed; the disk may be full or failing';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 28) reason = 'the disk is full';
  return reason;
}

export class LmdbCheckpointStore implements CheckpointStore, GroupWriter {
  readonly location: string;
  private readonly file: string;
  private root: RootDatabase | null = null;
  private tables: Record<Table, Database<Buffer, Key>> | null = null;
  private lock: DataDirectoryLock | null = null;
  private committer = new GroupCommitter(this);
  private current: PeerIncarnation | null = null;
  private closing = false;

  /** `directory` is the peer's data directory; it is created when missing. */
  constructor(directory: string) {
    this.location = path.resolve(directory);
    this.file = path.join(this.location, LMDB_FILE_NAME);
  }

  async open(options: OpenOptions = {}): Promise<PeerIncarnation> {
    if (this.root) throw new StoreUnavailableError(this.location, 'the store is already open');
    this.prepareDirectory();
    this.checkSpace();
    absorbLmdbBatchRejections();
    this.lock = await DataDirectoryLock.acquire(this.location);
    let created = false;
    try {
      const existed = fs.existsSync(this.file);
      const size = existed ? fs.statSync(this.file).size : 0;
      created = size === 0;
      const marked = fs.existsSync(path.join(this.location, STORE_MARKER_NAME));
      if (marked && size === 0) {
        throw new StoreCorruptError(
          this.location,
          existed ? `\`${LMDB_FILE_NAME}\` is empty, but a store was created here (\`${STORE_MARKER_NAME}\`)` : `\`${LMDB_FILE_NAME}\` is missing, but a store was created here (\`${STORE_MARKER_NAME}\`)`,
        );
      }
      if (existed) checkLmdbFile(this.file, this.location);
      this.openEnvironment(existed);
      const meta = this.readMeta();
      const { incarnation, ops } = startIncarnation(meta, this.location, options.epoch ?? Date.now());
      this.closing = false;
      await this.committer.submit(ops);
      if (!marked) writeMarker(this.location);
      this.current = incarnation;
      return incarnation;
    } catch (error) {
      await this.shut();
      // A store this call began and could not finish is not left half-made.
      if (created && !fs.existsSync(path.join(this.location, STORE_MARKER_NAME))) {
        for (const name of [LMDB_FILE_NAME, `${LMDB_FILE_NAME}-lock`]) fs.rmSync(path.join(this.location, name), { force: true });
      }
      throw error;
    }
  }

  /**
   * Refuses to open on a file system with less than MIN_FREE_BYTES free: LMDB writes its first
   * pages and the incarnation at open, and on a full disk a page it could not write is a
   * fault (SIGBUS) when it is read through the map, not an error. Later writes that find the
   * disk full fail their commit with StoreWriteError, and the peer stays up.
   */
  private checkSpace(): void {
    let free: number;
    try {
      const stats = fs.statfsSync(this.location);
      free = stats.bavail * stats.bsize;
    } catch {
      return; // statfs unsupported here: LMDB's own errors are all there is
    }
    if (free < MIN_FREE_BYTES) {
      throw new StoreUnavailableError(this.location, `its file system is full (${free} bytes free; opening a store needs at least ${MIN_FREE_BYTES})`);
    }
  }

  private prepareDirectory(): void {
    try {
      fs.mkdirSync(this.location, { recursive: true });
    } catch (error) {
      throw new StoreUnavailableError(this.location, `it cannot be created (${reasonOf(error)})`, error);
    }
    try {
      if (!fs.statSync(this.location).isDirectory()) throw new Error('it is not a directory');
      fs.accessSync(this.location, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    } catch (error) {
      throw new StoreUnavailableError(this.location, reasonOf(error), error);
    }
  }

  private openEnvironment(existed: boolean): void {
    try {
      const root = open({
        path: this.file,
        maxDbs: 8,
        encoding: 'binary',
        // Durable by default: no noSync/noMetaSync/writemap (docs/design/recovery.md §6.3 "durable" mode).
        compression: false,
        cache: false,
        // Write promises resolve at commit and carry their own `flushed` promise: see writeGroup.
        separateFlushed: true,
      });
      this.root = root;
      const table = (name: Table) => root.openDB<Buffer, Key>({ name, encoding: 'binary' });
      this.tables = { records: table('records'), plans: table('plans'), apps: table('apps'), meta: table('meta') };
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if (existed) throw new StoreCorruptError(this.location, `LMDB cannot open it (${reasonOf(error)})`, error);
      throw new StoreUnavailableError(this.location, `LMDB cannot create a store in it (${reasonOf(error)})`, error);
    }
  }

  /** Reads the meta table and walks every key once, so that a damaged tree is found now, not halfway through recovery. */
  private readMeta() {
    const t = this.openTables();
    try {
      let hasData = false;
      for (const name of ['records', 'plans', 'apps'] as const) {
        for (const _ of t[name].getKeys()) hasData = true;
      }
      for (const _ of t.meta.getKeys()) void _;
      return {
        format: t.meta.getBinary(META_FORMAT),
        peer: t.meta.getBinary(META_PEER),
        shutdown: t.meta.getBinary(META_SHUTDOWN),
        hasData,
      };
    } catch (error) {
      throw new StoreCorruptError(this.location, `reading it failed (${reasonOf(error)})`, error);
    }
  }

  async close(options: CloseOptions = {}): Promise<void> {
    if (!this.root) return;
    this.closing = true;
    try {
      await this.committer.idle();
      if (options.clean ?? true) await this.committer.submit([shutdownMarker(Date.now(), options.reason)]);
    } finally {
      await this.shut();
    }
  }

  /** Closes the environment and releases the lock, whatever state they are in. */
  private async shut(): Promise<void> {
    const root = this.root;
    this.root = null;
    this.tables = null;
    this.current = null;
    try {
      // lmdb-js waits for the last transaction's flush before it closes; after a failed
      // commit (a full disk) that flush never comes, so the wait is bounded.
      if (root) await boundedClose(root);
    } catch {
      // Closing a broken environment can fail; the lock must still be released.
    } finally {
      await this.lock?.release();
      this.lock = null;
    }
  }

  commit(changes: CheckpointChanges): Promise<void> {
    if (!this.root || this.closing) return Promise.reject(new StoreClosedError(this.location));
    let ops: WriteOp[];
    try {
      ops = encodeChanges(changes, this.location);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.committer.submit(ops);
  }

  /**
   * GroupWriter: every write of the group is queued in one synchronous pass, which lmdb-js
   * puts in one transaction (its event-turn batching) run on its writer thread; the
   * transaction's own `flushed` promise (separateFlushed) says when it is on disk.
   */
  writeGroup(commits: WriteOp[][]): { committed: Promise<unknown>; durable: Promise<(Error | undefined)[]> } {
    const root = this.root;
    const t = this.tables;
    if (!root || !t) throw new StoreClosedError(this.location);
    const writes: Promise<unknown>[] = [];
    let last: (Promise<unknown> & { flushed?: Promise<unknown> }) | undefined;
    for (const ops of commits) {
      for (const op of ops) {
        const db = t[op.table];
        last =
          op.value === null ? db.remove(op.key) : op.ifAbsent ? (db as unknown as PutWithOptions).put(op.key, op.value, { noOverwrite: true }) : db.put(op.key, op.value);
        writes.push(last);
        // A failed commit also rejects each write's `flushed`; those are reported through
        // `committed`, and must not surface as unhandled rejections that end the process.
        last.flushed?.catch(() => undefined);
      }
    }
    const fail = (error: unknown): never => {
      if (error instanceof StoreWriteError) throw error;
      throw new StoreWriteError(this.location, writeFailureReason(error), error);
    };
    const committed = Promise.all(writes).catch(fail);
    const durable = committed.then(async () => {
      await (last?.flushed ?? root.flushed);
      return commits.map(() => undefined);
    }, fail);
    return { committed, durable };
  }

  private openTables(): Record<Table, Database<Buffer, Key>> {
    if (!this.tables) throw new StoreClosedError(this.location);
    return this.tables;
  }

  private corrupt(what: string, error: unknown): StoreCorruptError {
    return corruption(this.location, what, error);
  }

  async readAll(): Promise<ComponentRecord[]> {
    const t = this.openTables();
    const records: ComponentRecord[] = [];
    // One synchronous pass is one read snapshot: lmdb-js renews its read transaction only between event turns.
    let current = 'the records';
    try {
      for (const { key, value } of t.records.getRange()) {
        current = `the record ${Array.isArray(key) ? `\`${key.join('/')}\`` : String(key)}`;
        records.push(decodeRecord(value));
      }
    } catch (error) {
      throw this.corrupt(current, error);
    }
    return records.sort(compareKeys);
  }

  async readAllChecked(): Promise<{ records: ComponentRecord[]; damaged: DamagedEntry[] }> {
    const t = this.openTables();
    const records: ComponentRecord[] = [];
    const damaged: DamagedEntry[] = [];
    // One synchronous pass (one read snapshot). A failure of LMDB itself while walking is the
    // store's; a value that does not decode is its record's (and so its application's) alone.
    try {
      for (const { key, value } of t.records.getRange()) {
        if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || typeof key[1] !== 'string') {
          throw new Error(`a record key is not [application, path] (${JSON.stringify(key)})`);
        }
        const [app, path] = key as [string, string];
        try {
          records.push(decodeRecord(value));
        } catch (error) {
          damaged.push({ app, path, reason: this.corrupt(`the record \`${app}/${path}\``, error).params.reason as string });
        }
      }
    } catch (error) {
      throw this.corrupt('the records', error);
    }
    return { records: records.sort(compareKeys), damaged };
  }

  async listApplicationsChecked(): Promise<{ applications: ApplicationEntry[]; damaged: DamagedEntry[] }> {
    const t = this.openTables();
    const applications: ApplicationEntry[] = [];
    const damaged: DamagedEntry[] = [];
    try {
      for (const { key, value } of t.apps.getRange()) {
        const name = String(key);
        try {
          applications.push(decodeApplication(value));
        } catch (error) {
          damaged.push({ app: name, reason: this.corrupt(`the registration of \`${name}\``, error).params.reason as string });
        }
      }
    } catch (error) {
      throw this.corrupt('the applications', error);
    }
    return { applications: applications.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), damaged };
  }

  async get(key: ComponentKey): Promise<ComponentRecord | undefined> {
    const t = this.openTables();
    try {
      const bytes = t.records.getBinary([key.app, key.path]);
      return bytes === undefined ? undefined : decodeRecord(bytes);
    } catch (error) {
      throw this.corrupt(`the record \`${keyText(key)}\``, error);
    }
  }

  async getPlan(id: string): Promise<DeploymentPlan | undefined> {
    const t = this.openTables();
    try {
      const bytes = t.plans.getBinary(id);
      return bytes === undefined ? undefined : decodePlan(bytes);
    } catch (error) {
      throw this.corrupt(`the plan \`${id}\``, error);
    }
  }

  async listPlans(): Promise<string[]> {
    const t = this.openTables();
    try {
      return [...t.plans.getKeys()].map(String).sort();
    } catch (error) {
      throw this.corrupt('the plans', error);
    }
  }

  async getApplication(name: string): Promise<ApplicationEntry | undefined> {
    const t = this.openTables();
    try {
      const bytes = t.apps.getBinary(name);
      return bytes === undefined ? undefined : decodeApplication(bytes);
    } catch (error) {
      throw this.corrupt(`the application \`${name}\``, error);
    }
  }

  async listApplications(): Promise<ApplicationEntry[]> {
    const t = this.openTables();
    try {
      const entries = [...t.apps.getRange()].map(({ value }) => decodeApplication(value));
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      throw this.corrupt('the applications', error);
    }
  }

  async getHistory(): Promise<HistoryEntry[]> {
    const t = this.openTables();
    try {
      const bytes = t.meta.getBinary(META_HISTORY);
      return bytes === undefined ? [] : decodeHistory(bytes);
    } catch (error) {
      throw this.corrupt('the history', error);
    }
  }

  incarnation(): PeerIncarnation {
    if (!this.current) throw new StoreClosedError(this.location);
    return { ...this.current };
  }

  stats(): CommitStats {
    return { commits: this.committer.commits, transactions: this.committer.transactions };
  }
}
