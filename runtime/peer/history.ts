/**
 * The history of a peer: the last HISTORY_LIMIT applications whose root ran here and that
 * ended, oldest first, with how (`terminated` or `failed`), why, the path the termination
 * record names, when and where (docs/design/control.md §6.2). `status` shows it, so that a
 * failed application does not vanish with only a line in one peer's log to tell of it.
 *
 * - Only this peer's own applications: a part placed here by another peer ends into its
 *   proxy there, and its application's root records the end on its own peer.
 * - Ends caused by the peer stopping or crashing are not recorded: those applications are
 *   kept for the next start, not ended.
 * - With a store, the list is loaded at start and written whole (`CheckpointChanges.history`)
 *   after each change: one commit at a time, later changes coalesced into the next one, so it
 *   survives a restart once committed (kill -9 included). A write that fails is reported as a
 *   `log` event of the peer and never breaks it; the next change writes the list again.
 *   Without a store it is kept in memory only.
 */
import type { Prim } from '../component/component.js';
import { errorText } from '../component/lifecycle.js';
import type { RuntimeEvent } from '../host/events.js';
import type { CheckpointStore } from '../persistence/store/checkpoint-store.js';
import { HISTORY_LIMIT, type HistoryEntry } from '../persistence/store/record.js';
import type { PeerContext } from './context.js';
import { parseSubtreeAppName } from './placement.js';

export class History {
  private entries: HistoryEntry[] = [];
  private readonly store?: CheckpointStore;
  /** The write in progress, if any. */
  private writing: Promise<void> | null = null;
  /** Entries changed since the last write began. */
  private dirty = false;
  private detached = false;
  /** Writes that failed (each reported as a `log` event). */
  failures = 0;

  constructor(
    private readonly ctx: PeerContext,
    readonly limit = HISTORY_LIMIT,
  ) {
    this.store = ctx.checkpointer?.store;
  }

  /** The entries, oldest first (copies). */
  list(): HistoryEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /**
   * At start, with a store: the stored history comes first, then anything recorded before it
   * was read. A history that cannot be read is reported and a new one begun (the next write
   * replaces it).
   */
  async load(): Promise<void> {
    if (!this.store) return;
    const before = this.entries;
    try {
      const stored = await this.store.getHistory();
      this.entries = [...stored, ...before].slice(-this.limit);
      if (before.length) this.persist();
    } catch (error) {
      this.report(`the history of ended applications could not be read, a new one is begun: ${errorText(error)}`);
    }
  }

  /**
   * A root of this peer ended (peer.ts calls it from the host's transition hook, with the
   * `terminated` or `failed` event about to be emitted). The root's internal application name
   * tells a part placed here by another peer (`<app>@<path>#<instance>@<peer>`), whose events
   * carry only its application's public name, from an application of this peer.
   */
  rootEnded(root: Prim, e: RuntimeEvent): void {
    const outcome = e.event === 'terminated' || e.event === 'failed' ? e.event : undefined;
    if (!outcome || this.detached || this.ctx.stopping() || root.parent) return;
    const app = this.ctx.host.applicationOf(root);
    if (!app || parseSubtreeAppName(app)) return;
    this.append({
      app,
      outcome,
      reason: e.record?.reason ?? '',
      path: e.record?.path || root.path,
      time: e.time,
      peer: this.ctx.name,
    });
  }

  /**
   * An application of this peer that could not be recovered at start (resume.ts). It fails the
   * same way at every start until it is replaced, so an entry is added only when the newest one
   * of that application does not already say so: a peer restarted ten times shows it once.
   */
  recoveryFailed(entry: HistoryEntry): void {
    const last = [...this.entries].reverse().find((e) => e.app === entry.app);
    if (last && last.outcome === 'failed' && last.reason === entry.reason) return;
    this.append(entry);
  }

  /** Adds an entry (newest last), dropping the oldest beyond the limit, and writes the list. */
  append(entry: HistoryEntry): void {
    if (this.detached) return;
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    this.persist();
  }

  /** Resolves once every change made so far was written (or failed to be). */
  async flushed(): Promise<void> {
    // Bounded: each pass waits for a write that had already begun.
    while (this.writing) await this.writing;
  }

  /** Nothing more is recorded or written (a crash, or a stop once `flushed`). */
  detach(): void {
    this.detached = true;
  }

  private persist(): void {
    if (!this.store) return;
    this.dirty = true;
    if (!this.writing) this.writing = this.drain();
  }

  /** One commit at a time; what changed meanwhile goes into the next. */
  private async drain(): Promise<void> {
    // Bounded: a pass runs only for changes made during the previous one.
    while (this.dirty && !this.detached && this.store) {
      this.dirty = false;
      try {
        await this.store.commit({ history: this.entries.slice() });
      } catch (error) {
        this.failures++;
        this.report(`an ended application could not be recorded in the history: ${errorText(error)}`);
      }
    }
    this.writing = null;
  }

  private report(text: string): void {
    const { host, clock, name } = this.ctx;
    host.events.emit({ time: clock.now(), peer: name, event: 'log', subject: name, stream: 'log', text });
  }
}
