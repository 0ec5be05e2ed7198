/**
 * `frog deploy FILE|PLAN [--peer ADDR] [--key-file FILE] [--name APP] [-I DIR]... [--wait S]`:
 * compiles a `.sf` description (or reads a compiled plan, `.json` or `.plan`) and sends it to a
 * running peer, which deploys it and hands the parts placed elsewhere to their peers. Waits up
 * to `--wait` seconds (default 120) for the application's root to run, and prints the outcome.
 *
 * Exit codes: 0 the application runs (or still deploys after `--wait`); 1 the description,
 * plan or options have errors (nothing sent); 2 the peer refused it, could not be reached, or
 * the application failed while deploying.
 */
import type { Command } from 'commander';
import { serialisePlan } from '../../../compiler/index.js';
import type { AnswerOf } from '../../../runtime/control/protocol.js';
import { loadPlan } from '../../plans.js';
import type { Io } from '../../io.js';
import { clientKey, reportError, request, type ClientOptions } from '../../peer-client.js';
import type { Register } from '../index.js';

export interface DeployCommandOptions extends ClientOptions {
  file: string;
  name?: string;
  includePath?: string[];
  /** Seconds to wait for the root to run (default 120; 0: do not wait). */
  wait?: number;
}


export async function deployCommand(o: DeployCommandOptions, io: Io): Promise<number> {
  const wait = o.wait ?? 120;
  if (!Number.isFinite(wait) || wait < 0) {
    io.stderr(`frog deploy: --wait must be a number of seconds; got \`${o.wait}\`.\n`);
    return 1;
  }
  const key = await clientKey('deploy', o, io);
  if (!key) return 1;
  const plan = await loadPlan({ ...o, checkTypes: 'names' }, io);
  if (!plan) return 1;
  const body = { plan: Buffer.from(serialisePlan(plan, 'msgpack')).toString('base64'), name: o.name ?? '', wait: wait * 1000 };
  let answer: AnswerOf<'deploy'> | undefined;
  try {
    answer = await request('deploy', o, key, 'deploy', body, wait * 1000 + 30_000);
  } catch (e) {
    return reportError('deploy', e, io);
  }
  if (!answer) return 2;
  if (answer.state === 'failed' || answer.state === 'terminated') {
    const r = answer.record;
    io.stderr(`frog deploy: ${answer.app} ${answer.state} on ${answer.peer}${r ? `: ${r.type}: ${r.reason}${r.path ? ` (at ${r.path})` : ''}` : ''}\n`);
    return answer.state === 'failed' ? 2 : 0;
  }
  io.stdout(`${answer.app}: ${answer.state} (deployed through ${answer.peer})\n`);
  return 0;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const register: Register = (program: Command, io, setExit) => {
  program
    .command('deploy')
    .description('compile a description (or read a plan) and deploy it to a running peer')
    .argument('<file>', 'the .sf file, or a compiled plan (.json or .plan)')
    .option('--peer <addr:port>', 'the peer to send it to', '127.0.0.1:7420')
    .option('--key-file <file>', 'group key file (or FROG_KEY_FILE)')
    .option('--name <app>', 'the application name (default: the plan name)')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .option('--wait <seconds>', 'wait this long for the application to run (0: do not wait)', '120')
    .addHelpText('after', '\nExit codes: 0 deployed, 1 errors in the description or options, 2 refused, unreachable or failed.')
    .action(async (file: string, opts: { peer: string; keyFile?: string; name?: string; include: string[]; wait: string }) => {
      setExit(await deployCommand({ file, peer: opts.peer, keyFile: opts.keyFile, name: opts.name, includePath: opts.include, wait: Number(opts.wait) }, io));
    });
};
