/**
 * `frog run FILE.sf [-I DIR]... [--json]`: compiles a description (or reads a compiled plan,
 * `.json` or `.plan`), deploys it on a component host embedded in this process, shows
 * progress, and exits when the root terminates.
 *
 * Exit codes: 0 the root terminated normally; 1 the description or plan has errors (nothing
 * ran); 2 the root terminated otherwise (the record is printed); 128 + signal number after
 * Ctrl-C / SIGTERM, once the tree has terminated in order.
 *
 * With `--data DIR` the components are checkpointed in an LMDB store in DIR (woodfrog.md):
 * if DIR already holds the application (the plan's name) from the same plan, it is recovered
 * instead of deployed again; from another plan it is refused (SF4808) unless `--replace`,
 * which discards the old one first. Ctrl-C / SIGTERM is then a planned stop: the components
 * are stopped but their records are kept (the next run recovers them) and the store records
 * a clean shutdown. When the application terminates by itself, its records are removed.
 */
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { loadPlan, reportDiagnostics } from '../plans.js';
import type { DeploymentPlan } from '../../core/plan-types.js';
import { Messages, formatMessage } from '../../core/messages/index.js';
import { Checkpointer, planIdOf } from '../../runtime/persistence/checkpointing.js';
import type { Prim } from '../../runtime/component/component.js';
import { ComponentHost } from '../../runtime/host/host.js';
import type { TerminationRecord } from '../../runtime/component/lifecycle.js';
import { LocalStateAccess } from '../../runtime/state/state-access.js';
import { discardApplication, recover } from '../../runtime/persistence/recovery.js';
import { LmdbCheckpointStore, StoreError, type PeerIncarnation } from '../../runtime/persistence/store/index.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import type { Io } from '../io.js';
import { JsonProgress, LineProgress, TreeProgress, type ProgressView } from '../run-progress.js';

export interface RunCommandOptions {
  file: string;
  includePath: string[];
  json: boolean;
  /** The peer name in events (default: the host name). */
  peer?: string;
  /** A data directory: checkpoint to it, and recover the application it holds. */
  data?: string;
  /** With `data`: discard an application of the same name from another plan. */
  replace?: boolean;
}

/** The embedded peer's store: opened, checkpointing through `checkpointer`; or a message on failure. */
async function openStore(dir: string, io: Io): Promise<{ store: LmdbCheckpointStore; incarnation: PeerIncarnation } | undefined> {
  const store = new LmdbCheckpointStore(resolvePath(io.cwd, dir));
  try {
    return { store, incarnation: await store.open() };
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    io.stderr(`frog run: error ${e.code}: ${e.message}
${e.hint ? `  hint: ${e.hint}
` : ''}`);
    return undefined;
  }
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };



function recordText(r: TerminationRecord): string {
  const code = r.cause?.code && !r.reason.includes(r.cause.code) ? ` [${r.cause.code}]` : '';
  return `${r.type}: ${r.reason}${code}${r.path ? ` (at ${r.path})` : ''}`;
}

export async function runCommand(o: RunCommandOptions, io: Io): Promise<number> {
  // Component types are checked here, so that their errors point at the sfClass that chose them.
  const plan = await loadPlan({ ...o, checkTypes: 'all' }, io);
  if (!plan) return 1;
  let opened: { store: LmdbCheckpointStore; incarnation: PeerIncarnation } | undefined;
  if (o.data !== undefined) {
    opened = await openStore(o.data, io);
    if (!opened) return 1;
  }
  const checkpointer = opened ? new Checkpointer(opened.store) : undefined;
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: o.peer ?? hostname(), workingDirectory: io.cwd, state: new LocalStateAccess(), ...checkpointer?.hooks() });
  checkpointer?.attach(host);
  const view: ProgressView = o.json ? new JsonProgress(io) : io.isTty ? new TreeProgress(io) : new LineProgress(io);
  const unsubscribe = host.events.subscribe((e) => view.event(e));
  let signalled: NodeJS.Signals | undefined;
  const offSignal = io.onSignal?.((signal) => {
    if (signalled) {
      io.stderr(`frog run: still terminating after ${signalled}; waiting for components to stop\n`);
      return;
    }
    signalled = signal;
    if (!o.json) io.stderr(`frog run: ${signal}: ${checkpointer ? 'stopping' : 'terminating'} ${plan.root.name}${checkpointer ? ' (its state is kept for the next run)' : ''}\n`);
    // A planned stop keeps the records: the next `frog run --data` recovers the application.
    checkpointer?.detach();
    void host.terminateAll({ type: 'normal', reason: `terminated by ${signal}`, path: '' });
  });
  let clean = true;
  try {
    let terminated: Promise<TerminationRecord>;
    const recovered = checkpointer && opened ? await recoverOrRefuse(plan, o, checkpointer, host, opened.incarnation, io) : undefined;
    if (recovered === 'refused') return 1;
    if (recovered) terminated = recovered.whenTerminated();
    else {
      const deployed = checkpointer ? await checkpointer.deploy(plan) : await host.deploy(plan);
      if (deployed.diagnostics.length) {
        reportDiagnostics(deployed.diagnostics, new Map(), io);
        return 1;
      }
      terminated = deployed.terminated;
    }
    const record = await terminated;
    // Applications started by `Run` end with the main one.
    await host.terminateAll({ type: 'normal', reason: `${plan.root.name} has terminated`, path: '' });
    view.close();
    if (signalled) return 128 + (SIGNAL_NUMBERS[signalled] ?? 1);
    if (record.type === 'normal') {
      const cause = record.path && record.path !== plan.root.name ? ` (${record.path}: ${record.reason})` : '';
      if (!o.json) io.stderr(`frog run: ${plan.root.name} terminated normally${cause}\n`);
      return 0;
    }
    if (!o.json) io.stderr(`frog run: ${plan.root.name} failed: ${recordText(record)}\n`);
    return 2;
  } catch (e) {
    clean = false;
    throw e;
  } finally {
    view.close();
    unsubscribe();
    offSignal?.();
    await opened?.store.close({ clean, reason: signalled ?? 'the application terminated' });
  }
}

/**
 * With a data directory: recovers the application recorded under the plan's name when its
 * plan id is this plan's (the root, once running again); refuses another plan unless
 * `--replace` (then discards it); undefined when there is nothing to recover.
 */
async function recoverOrRefuse(
  plan: DeploymentPlan,
  o: RunCommandOptions,
  checkpointer: Checkpointer,
  host: ComponentHost,
  incarnation: PeerIncarnation,
  io: Io,
): Promise<Prim | 'refused' | undefined> {
  const store = checkpointer.store;
  const entry = await store.getApplication(plan.name);
  const records = (await store.readAll()).filter((r) => r.app === plan.name);
  if (!entry && !records.length) return undefined;
  const storedId = entry?.planId ?? records[0]!.planId;
  if (storedId !== planIdOf(plan)) {
    if (!o.replace) {
      const m = Messages.ApplicationPlanMismatch;
      io.stderr(`frog run: error ${m.code}: ${formatMessage(m, { dir: store.location, name: plan.name, stored: storedId.slice(0, 12), plan: planIdOf(plan).slice(0, 12) })}\n  hint: ${m.hint}\n`);
      return 'refused';
    }
    const n = await discardApplication(host, checkpointer, plan.name);
    if (!o.json) io.stderr(`frog run: --replace: discarded ${plan.name} from plan ${storedId.slice(0, 12)} (${n} components)\n`);
    return undefined;
  }
  const report = await recover(host, checkpointer, { applications: [plan.name] });
  const app = report.applications.find((a) => a.name === plan.name);
  if (!o.json) {
    io.stderr(`frog run: recovered ${plan.name}: ${report.rebuilt} components in ${report.durationMs.toFixed(0)} ms (the previous run ${incarnation.lastShutdown === 'clean' ? 'stopped cleanly' : 'crashed'})\n`);
  }
  return app?.root;
}
