/**
 * Resuming what the store holds when the peer starts: its own applications are recovered at
 * once; a part placed here by another peer waits for its parent's word (`subtree-status`,
 * docs/design/control.md §7.5) and is rebuilt only if it is still the current instance, else its
 * records are discarded. Never two copies of one part.
 *
 * One application that cannot be recovered (its records, registration or plan do not decode,
 * its modules do not load, rebuilding it throws) does not stop the peer (docs/design/recovery.md
 * §3.1): it is recorded as failed in the history, with its code and reason, reported as a `log`
 * event, and its records are kept untouched until a deploy of the same name replaces them.
 */
import { Messages, formatMessage } from '../../core/messages/index.js';
import { Messages as M } from '../../core/messages/index.js';
import { discardApplication, failedApplication, recover, type FailedApplication, type RecoveryReport } from '../persistence/recovery.js';
import type { PeerContext } from './context.js';
import { keyOf, type Parts, type SubtreeEntry } from './parts.js';
import { parseSubtreeAppName, type SubtreeName } from './placement.js';

export class Resume {
  /** While the store is read back: `subtree-status` answers `unknown`. */
  recovering = false;
  /** Recorded subtrees waiting for their parent's word after a restart: key → application name. */
  private readonly pending = new Map<string, string>();
  private storeOps: Promise<void> = Promise.resolve();
  /** Told of each own application recovered, with when it was first deployed. */
  onRecovered?: (name: string, registered: number) => void;
  /** Told of each own application that could not be recovered (after the others started). */
  onFailed?: (failure: FailedApplication) => void;
  /**
   * Applications of this peer not recovered at this start, by name: their records are kept
   * until a deploy of the same name replaces them (`replaceFailed`).
   */
  readonly failed = new Map<string, FailedApplication>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly parts: Parts,
  ) {}

  /** Recovers the peer's own applications, and asks the parents of recorded parts about them. */
  async start(): Promise<RecoveryReport> {
    const checkpointer = this.ctx.checkpointer!;
    let report: RecoveryReport;
    this.recovering = true;
    const subtreeApps: string[] = [];
    const early: FailedApplication[] = [];
    try {
      // User modules of recorded applications are loaded before their components are rebuilt.
      const store = checkpointer.store;
      const listed = await store.listApplicationsChecked();
      for (const d of listed.damaged) {
        if (!parseSubtreeAppName(d.app)) early.push(failedApplication(M.ApplicationUnreadable, d.app, '', store.location, d.reason));
      }
      const apps = [];
      for (const a of listed.applications) {
        try {
          const plan = await store.getPlan(a.planId);
          // Its diagnostics are not a failure here: a type that does not load fails its rebuild (SF4812).
          if (plan) await this.ctx.host.registry.preparePlan(plan);
        } catch (error) {
          // A subtree's parent decides about it (below); an own application fails alone.
          if (!parseSubtreeAppName(a.name)) {
            early.push(failedApplication(M.ApplicationUnreadable, a.name, a.planId, store.location, error));
            continue;
          }
        }
        apps.push(a);
        if (parseSubtreeAppName(a.name)) subtreeApps.push(a.name);
      }
      // Subtrees placed here by other peers wait for their parent's word (below): never two copies.
      const own = apps.map((a) => a.name).filter((n) => !parseSubtreeAppName(n));
      // When each was first deployed, known before its components run (a name claim may come meanwhile).
      for (const a of apps) if (!parseSubtreeAppName(a.name)) this.onRecovered?.(a.name, a.registered);
      report = await recover(this.ctx.host, checkpointer, { applications: own });
    } finally {
      this.recovering = false;
    }
    report.failed.unshift(...early);
    for (const f of report.failed) {
      this.failed.set(f.name, f);
      this.onFailed?.(f);
    }
    for (const a of report.interrupted) void this.redeploy(a.name, a.planId);
    for (const internal of subtreeApps) {
      const name = parseSubtreeAppName(internal)!;
      this.pending.set(keyOf(name.app, name.path), internal);
      void this.resumeSubtree(name, internal);
    }
    this.ctx.loadChanged();
    return report;
  }

  /**
   * An application whose deployment the previous stop interrupted was rolled back by recovery;
   * its registration and plan say it was accepted, so it is deployed again, whole.
   */
  private async redeploy(name: string, planId: string): Promise<void> {
    const { host, checkpointer, clock } = this.ctx;
    const log = (action: string) =>
      host.events.emit({ time: clock.now(), peer: this.ctx.name, event: 'log', subject: name, stream: 'log', text: formatMessage(Messages.DeploymentInterrupted, { name, action }) });
    const plan = planId ? await checkpointer!.store.getPlan(planId) : undefined;
    if (!plan) {
      await discardApplication(host, checkpointer!, name).catch(() => undefined);
      log('its plan is not in the store, so it was discarded');
      return;
    }
    log('it is deployed again from its plan');
    try {
      const r = await checkpointer!.deploy(plan, { name });
      if (!r.root) log(`deploying it again failed: ${r.diagnostics.map((d) => d.message).join(' ')}`);
    } catch (e) {
      log(`deploying it again failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * A deploy of `name` while an application of that name failed to recover here: its kept
   * records (and registration) are discarded first, each record's type releasing what it holds
   * (`finishRecovered`), so that the new application never mixes with them. Undefined when
   * there was nothing to replace; else how many records went.
   */
  async replaceFailed(name: string): Promise<number | undefined> {
    if (!this.failed.has(name) || !this.ctx.checkpointer) return undefined;
    const n = await discardApplication(this.ctx.host, this.ctx.checkpointer, name);
    this.failed.delete(name);
    return n;
  }

  pendingAt(key: string): string | undefined {
    return this.pending.get(key);
  }

  /**
   * A subtree recorded here before a restart is rebuilt only if its parent's peer says it is
   * still the current instance; if the parent replaced it, terminated, or does not come back
   * within the placement timeout, its records are discarded (its type's `finishRecovered` runs).
   */
  private async resumeSubtree(name: SubtreeName, internal: string): Promise<void> {
    const key = keyOf(name.app, name.path);
    this.ctx.directory.watch(name.parentPeer);
    let verdict = 'gone';
    for (let attempt = 0; attempt < 30 && !this.ctx.stopping(); attempt++) {
      const parent = await this.ctx.directory.whenPresent(name.parentPeer, this.ctx.placementTimeoutMs, undefined, 5000, () => this.ctx.stopping() || this.pending.get(key) !== internal);
      if (!parent || this.pending.get(key) !== internal) break;
      try {
        const answer = await this.ctx.link.call(parent.control, 'subtree-status', { app: name.app, path: name.path, instance: name.instance }, 10_000);
        verdict = answer?.verdict ?? 'unknown';
      } catch {
        verdict = 'unknown';
      }
      if (verdict !== 'unknown') break;
      await this.ctx.clock.sleep(1000);
    }
    await this.resolvePending(key, internal, verdict === 'current');
  }

  /** Recovers (when `keep`) or discards a pending recorded subtree, one store operation at a time. */
  resolvePending(key: string, internal: string, keep: boolean): Promise<void> {
    const run = async () => {
      if (this.pending.get(key) !== internal || this.ctx.stopping()) return;
      this.pending.delete(key);
      const name = parseSubtreeAppName(internal)!;
      const { host, checkpointer, clock } = this.ctx;
      if (!keep) {
        const n = await discardApplication(host, checkpointer!, internal);
        host.events.emit({ time: clock.now(), peer: this.ctx.name, event: 'log', subject: name.path, stream: 'log', text: formatMessage(Messages.SubtreeFenced, { path: name.path, instance: name.instance, verdict: 'replaced or terminated', peer: name.parentPeer }) + ` (${n} recorded components discarded, never restarted)` });
        return;
      }
      const report = await recover(host, checkpointer!, { applications: [internal], remoteParent: () => true });
      for (const a of report.applications) {
        const entry: SubtreeEntry = { name, internal, root: a.root, byParent: false };
        this.parts.entries.set(key, entry);
      }
      this.ctx.loadChanged();
    };
    this.storeOps = this.storeOps.then(run, run).catch(() => undefined);
    return this.storeOps;
  }
}
