/**
 * `frog deploy FILE|PLAN [--peer ADDR] [--key-file FILE] [--name APP] [-I DIR]... [--wait S | --no-wait] [--timeout S]`:
 * compiles a `.sf` description (or reads a compiled plan, `.json` or `.plan`) and sends it to a
 * running peer, which deploys it and hands the parts placed elsewhere to their peers. Waits up
 * to `--wait` seconds (default 120) for the application's root to run, and prints the outcome.
 *
 * Exit codes: 0 the application runs (or still deploys after `--wait`); 1 the description,
 * plan or options have errors (nothing sent); 2 the peer refused it, could not be reached, or
 * the application failed while deploying.
 *
 * `--json` prints one document on stdout, the peer's answer `{"app", "peer", "state", "record"?}`
 * with `diagnostics` (on failure before an answer, `{"diagnostics": [...]}`); `--quiet` prints
 * nothing but errors (no outcome line, no warnings).
 */
import { serialisePlan } from '../../../core/plan-format.js';
import type { AnswerOf } from '../../../runtime/control/protocol.js';
import { loadPlan } from '../../plans.js';
import type { Io } from '../../io.js';
import { Output } from '../../output.js';
import { clientKey, reportError, request, timeoutOf, type ClientOptions } from '../../peer-client.js';

export interface DeployCommandOptions extends ClientOptions {
  file: string;
  name?: string;
  includePath?: string[];
  /** Seconds to wait for the root to run (default 120; 0: do not wait). */
  wait?: number;
  json?: boolean;
  quiet?: boolean;
}


export async function deployCommand(o: DeployCommandOptions, io: Io): Promise<number> {
  const out = new Output('deploy', io, { mode: o.json ? 'json' : 'text', quiet: o.quiet });
  let answer: AnswerOf<'deploy'> | undefined;
  const code = await send(o, out, (a) => (answer = a));
  if (out.json) out.document(answer ?? {});
  return code;
}

async function send(o: DeployCommandOptions, out: Output, answered: (a: AnswerOf<'deploy'>) => void): Promise<number> {
  const wait = o.wait ?? 120;
  if (!Number.isFinite(wait) || wait < 0) {
    out.problem(`--wait must be a number of seconds; got \`${o.wait}\`.`);
    return 1;
  }
  const key = await clientKey(o, out);
  if (!key) return 1;
  const plan = await loadPlan({ ...o, checkTypes: 'names' }, out);
  if (!plan) return 1;
  const body = { plan: Buffer.from(serialisePlan(plan, 'msgpack')).toString('base64'), name: o.name ?? '', wait: wait * 1000 };
  let answer: AnswerOf<'deploy'> | undefined;
  try {
    const extra = timeoutOf(o, 30_000, out);
    if (extra === undefined) return 1;
    answer = await request('deploy', o, key, 'deploy', body, wait * 1000 + extra);
  } catch (e) {
    return reportError(e, out);
  }
  if (!answer) return 2;
  answered(answer);
  if (answer.state === 'failed' || answer.state === 'terminated') {
    const r = answer.record;
    const text = `frog deploy: ${answer.app} ${answer.state} on ${answer.peer}${r ? `: ${r.type}: ${r.reason}${r.path ? ` (at ${r.path})` : ''}` : ''}\n`;
    // A failure is an error even with --quiet; a normal termination is news only for people.
    if (answer.state === 'failed') {
      if (!out.json) out.io.stderr(text);
      return 2;
    }
    if (!out.json && !out.quiet) out.io.stderr(text);
    return 0;
  }
  if (!out.json && !out.quiet) out.io.stdout(`${answer.app}: ${answer.state} (deployed through ${answer.peer})\n`);
  return 0;
}

