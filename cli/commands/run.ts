/**
 * `frog run FILE.sf [-I DIR]... [--json]`: compiles a description (or reads a compiled plan,
 * `.json` or `.plan`), deploys it on a component host embedded in this process, shows
 * progress, and exits when the root terminates.
 *
 * Exit codes: 0 the root terminated normally; 1 the description or plan has errors (nothing
 * ran); 2 the root terminated otherwise (the record is printed); 128 + signal number after
 * Ctrl-C / SIGTERM, once the tree has terminated in order.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { compileFile, readPlan, PlanFormatError } from '../../compiler/index.js';
import type { DeploymentPlan } from '../../compiler/plan-types.js';
import type { Diagnostic } from '../../language/diagnostics.js';
import { Messages, diagnostic } from '../../language/messages.js';
import { renderDiagnostics } from '../../language/render.js';
import type { SourceFile } from '../../language/source.js';
import { ComponentHost } from '../../runtime/host.js';
import type { TerminationRecord } from '../../runtime/lifecycle.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import type { Io } from '../io.js';
import { JsonProgress, LineProgress, TreeProgress, type ProgressView } from '../run-progress.js';
import type { Register } from './index.js';

export interface RunCommandOptions {
  file: string;
  includePath: string[];
  json: boolean;
  /** The peer name in events (default: the host name). */
  peer?: string;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

function report(diagnostics: Diagnostic[], sources: Map<string, SourceFile>, io: Io): boolean {
  if (diagnostics.length) io.stderr(renderDiagnostics(diagnostics, (f) => sources.get(f), { cwd: io.cwd, color: io.isTty && !io.env.NO_COLOR }));
  return diagnostics.some((d) => d.severity === 'error');
}

/** The plan to run: compiled from a `.sf` file, or read from a compiled plan file. */
async function loadPlan(o: RunCommandOptions, io: Io): Promise<DeploymentPlan | undefined> {
  const file = resolvePath(io.cwd, o.file);
  if (file.endsWith('.json') || file.endsWith('.plan')) {
    try {
      return readPlan(await readFile(file));
    } catch (e) {
      const reason = e instanceof PlanFormatError ? e.reason : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      report([diagnostic(Messages.BadPlanFile, { file: o.file, reason })], new Map(), io);
      return undefined;
    }
  }
  const result = compileFile(file, { includePath: o.includePath.map((p) => resolvePath(io.cwd, p)), env: io.env });
  if (report(result.diagnostics, result.sources, io) || !result.plan) return undefined;
  return result.plan;
}

function recordText(r: TerminationRecord): string {
  const code = r.cause?.code && !r.reason.includes(r.cause.code) ? ` [${r.cause.code}]` : '';
  return `${r.type}: ${r.reason}${code}${r.path ? ` (at ${r.path})` : ''}`;
}

export async function runCommand(o: RunCommandOptions, io: Io): Promise<number> {
  const plan = await loadPlan(o, io);
  if (!plan) return 1;
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: o.peer ?? hostname(), workingDirectory: io.cwd });
  const view: ProgressView = o.json ? new JsonProgress(io) : io.isTty ? new TreeProgress(io) : new LineProgress(io);
  const unsubscribe = host.events.subscribe((e) => view.event(e));
  let signalled: NodeJS.Signals | undefined;
  const offSignal = io.onSignal?.((signal) => {
    if (signalled) {
      io.stderr(`frog run: still terminating after ${signalled}; waiting for components to stop\n`);
      return;
    }
    signalled = signal;
    if (!o.json) io.stderr(`frog run: ${signal}: terminating ${plan.root.name}\n`);
    void host.terminateAll({ type: 'normal', reason: `terminated by ${signal}`, path: '' });
  });
  try {
    const deployed = await host.deploy(plan);
    if (deployed.diagnostics.length) {
      report(deployed.diagnostics, new Map(), io);
      return 1;
    }
    const record = await deployed.terminated;
    // Applications started by `Run` end with the main one.
    await host.terminateAll({ type: 'normal', reason: `${plan.root.name} has terminated`, path: '' });
    view.close();
    if (signalled) return 128 + (SIGNAL_NUMBERS[signalled] ?? 1);
    if (record.type === 'normal') {
      if (!o.json) io.stderr(`frog run: ${record.path || plan.root.name} terminated normally\n`);
      return 0;
    }
    if (!o.json) io.stderr(`frog run: ${plan.root.name} failed: ${recordText(record)}\n`);
    return 2;
  } finally {
    view.close();
    unsubscribe();
    offSignal?.();
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const register: Register = (program: Command, io, setExit) => {
  program
    .command('run')
    .description('compile a description and run it on a peer embedded in this process; exits when its root terminates')
    .argument('<file>', 'the .sf file (or a compiled plan: .json or .plan)')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .option('--json', 'print every event as a JSON line on standard output', false)
    .option('--name <peer>', 'the peer name shown in events (default: the host name)')
    .addHelpText('after', '\nExit codes: 0 normal termination, 1 errors in the description, 2 abnormal termination, 128+N after signal N.')
    .action(async (file: string, opts: { include: string[]; json: boolean; name?: string }) => {
      setExit(await runCommand({ file, includePath: opts.include, json: opts.json, peer: opts.name }, io));
    });
};
