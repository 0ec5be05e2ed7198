/**
 * `frog run FILE.sf [-I DIR]... [--json]`: compiles a description (or reads a compiled plan,
 * `.json` or `.plan`), deploys it on a component host embedded in this process, shows
 * progress, and exits when the root terminates.
 *
 * Exit codes: 0 the root terminated normally; 1 the description or plan has errors (nothing
 * ran); 2 the root terminated otherwise (the record is printed); 128 + signal number after
 * Ctrl-C / SIGTERM, once the tree has terminated in order.
 *
 * With `--data DIR` the components are checkpointed in an LMDB store in DIR (docs/design/recovery.md):
 * if DIR already holds the application (the plan's name) from the same plan, it is recovered
 * instead of deployed again; from another plan it is refused (SF4808) unless `--replace`,
 * which discards the old one first. Ctrl-C / SIGTERM is then a planned stop: the components
 * are stopped but their records are kept (the next run recovers them) and the store records
 * a clean shutdown. When the application terminates by itself, its records are removed.
 *
 * `--json`: every event, and every diagnostic (`{"time", "event": "diagnostic", ...}`), as a JSON
 * line on stdout, nothing on stderr. `--quiet`: only what the components print and the errors,
 * no lifecycle lines. `--verbose`: every event as a line with all its details (peer, component
 * type, ...), also on a terminal.
 */
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { loadPlan } from '../../plans.js';
import { Output } from '../../output.js';
import type { DeploymentPlan } from '../../../core/plan-types.js';
import { Messages, formatMessage } from '../../../core/messages/index.js';
import type { Prim } from '../../../runtime/component/component.js';
import type { TerminationRecord } from '../../../runtime/component/lifecycle.js';
import { assemble, type EmbeddedPeer } from '../../../runtime/peer/assemble.js';
import { createStandardRegistry } from '../../../stdlib/index.js';
import type { Io } from '../../io.js';
import type { ResolveLimits } from '../../../compiler/limits.js';
import { JsonProgress, LineProgress, QuietProgress, TreeProgress, VerboseProgress, type ProgressView } from '../../run-progress.js';

export interface RunCommandOptions extends ResolveLimits {
  file: string;
  includePath: string[];
  json: boolean;
  /** The peer name in events (default: the host name). */
  peer?: string;
  /** A data directory: checkpoint to it, and recover the application it holds. */
  data?: string;
  /** With `data`: discard an application of the same name from another plan. */
  replace?: boolean;
  /** Only the components' output and errors. */
  quiet?: boolean;
  /** Every event with all its details. */
  verbose?: boolean;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };



function recordText(r: TerminationRecord): string {
  const code = r.cause?.code && !r.reason.includes(r.cause.code) ? ` [${r.cause.code}]` : '';
  return `${r.type}: ${r.reason}${code}${r.path ? ` (at ${r.path})` : ''}`;
}

export async function runCommand(o: RunCommandOptions, io: Io): Promise<number> {
  const out = new Output('run', io, { mode: o.json ? 'lines' : 'text', quiet: o.quiet, verbose: o.verbose, lineFields: { peer: o.peer ?? hostname() } });
  // Component types are checked here, so that their errors point at the sfClass that chose them.
  const plan = await loadPlan({ ...o, checkTypes: 'all' }, out);
  if (!plan) return 1;
  // The store (--data) and the host embedded in this process: runtime/peer/assemble.ts.
  const embedded = await assemble({
    name: o.peer ?? hostname(),
    registry: createStandardRegistry(),
    workingDirectory: io.cwd,
    data: o.data === undefined ? undefined : resolvePath(io.cwd, o.data),
    report: (line) => out.report(line),
  });
  if (typeof embedded === 'number') return embedded;
  const { host, checkpointer } = embedded;
  const view: ProgressView = o.json
    ? new JsonProgress(io)
    : o.quiet
      ? new QuietProgress(io)
      : o.verbose
        ? new VerboseProgress(io)
        : io.isTty
          ? new TreeProgress(io)
          : new LineProgress(io);
  const unsubscribe = host.events.subscribe((e) => view.event(e));
  let signalled: NodeJS.Signals | undefined;
  const offSignal = io.onSignal?.((signal) => {
    if (signalled) {
      out.note(`frog run: still terminating after ${signalled}; waiting for components to stop`);
      return;
    }
    signalled = signal;
    out.note(`frog run: ${signal}: ${checkpointer ? 'stopping' : 'terminating'} ${plan.root.name}${checkpointer ? ' (its state is kept for the next run)' : ''}`);
    // A planned stop keeps the records: the next `frog run --data` recovers the application.
    checkpointer?.detach();
    void host.terminateAll({ type: 'normal', reason: `terminated by ${signal}`, path: '' });
  });
  let clean = true;
  try {
    let terminated: Promise<TerminationRecord>;
    const recovered = checkpointer ? await recoverOrRefuse(plan, o, embedded, out) : undefined;
    if (recovered === 'refused') return 1;
    if (recovered) terminated = recovered.whenTerminated();
    else {
      const deployed = checkpointer ? await checkpointer.deploy(plan) : await host.deploy(plan);
      if (deployed.diagnostics.length) {
        out.diagnose(deployed.diagnostics, new Map());
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
      out.note(`frog run: ${plan.root.name} terminated normally${cause}`);
      return 0;
    }
    // An error: shown with --quiet too; with --json the events say it.
    if (!o.json) io.stderr(`frog run: ${plan.root.name} failed: ${recordText(record)}\n`);
    return 2;
  } catch (e) {
    clean = false;
    throw e;
  } finally {
    view.close();
    unsubscribe();
    offSignal?.();
    await embedded.close({ clean, reason: signalled ?? 'the application terminated' });
  }
}

/**
 * With a data directory: what the store holds of the plan's application (the policy is
 * runtime/peer/assemble.ts's), told on stderr. The root once running again, `refused` (another
 * plan, without `--replace`), or undefined when there is nothing to recover.
 */
async function recoverOrRefuse(plan: DeploymentPlan, o: RunCommandOptions, embedded: EmbeddedPeer, out: Output): Promise<Prim | 'refused' | undefined> {
  const r = await embedded.recoverApplication(plan, Boolean(o.replace));
  switch (r.kind) {
    case 'none':
      return undefined;
    case 'refused': {
      const m = Messages.ApplicationPlanMismatch;
      const message = formatMessage(m, { dir: r.dir, name: plan.name, stored: r.stored.slice(0, 12), plan: r.plan.slice(0, 12) });
      out.problem(message, { code: m.code, hint: m.hint, text: `frog run: error ${m.code}: ${message}\n  hint: ${m.hint}\n` });
      return 'refused';
    }
    case 'failed': {
      // Its records are kept (an operator may want them); --replace discards them and deploys anew.
      const f = r.failure;
      const hint = 'Add `--replace` to discard its kept records and deploy this description, or restore the data directory from a backup.';
      out.problem(f.message, { code: f.code, hint, text: `frog run: error ${f.code}: ${f.message}\n  hint: ${hint}\n` });
      return 'refused';
    }
    case 'replaced':
      out.note(`frog run: --replace: discarded ${plan.name} from plan ${r.stored.slice(0, 12)} (${r.discarded} components)`);
      return undefined;
    case 'recovered':
      out.note(`frog run: recovered ${plan.name}: ${r.report.rebuilt} components in ${r.report.durationMs.toFixed(0)} ms (the previous run ${r.incarnation.lastShutdown === 'clean' ? 'stopped cleanly' : 'crashed'})`);
      return r.root;
  }
}
