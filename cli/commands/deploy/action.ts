/**
 * `frog deploy FILE|PLAN [--peer ADDR] [--key-file FILE] [--name APP] [-I DIR]... [--wait S | --no-wait] [--timeout S]`:
 * compiles a `.sf` description (or reads a compiled plan, `.json` or `.plan`) and sends it to a
 * running peer, which deploys it and hands the parts placed elsewhere to their peers. Waits up
 * to `--wait` seconds (default 120) for the application's root to run, and prints the outcome.
 *
 * Exit codes: 0 the application runs (or still deploys after `--wait`); 1 the description,
 * plan or options have errors (nothing sent); 2 the peer refused it, could not be reached, or
 * the application failed while deploying.
 */
import { serialisePlan } from '../../../core/plan-format.js';
import type { AnswerOf } from '../../../runtime/control/protocol.js';
import { loadPlan } from '../../plans.js';
import type { Io } from '../../io.js';
import { clientKey, reportError, request, timeoutOf, type ClientOptions } from '../../peer-client.js';

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
    const extra = timeoutOf('deploy', o, 30_000, io);
    if (extra === undefined) return 1;
    answer = await request('deploy', o, key, 'deploy', body, wait * 1000 + extra);
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

