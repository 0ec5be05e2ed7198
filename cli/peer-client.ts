/**
 * What the client commands (`deploy`, `status`, `terminate`, `members`) share: the peer's
 * address (`--peer`, default 127.0.0.1:7420), the group key (`--key-file` or FROG_KEY_FILE),
 * one signed request, and its errors as one line with a code and a hint, never a stack trace.
 */
import { resolve as resolvePath } from 'node:path';
import { ControlError, controlRequest } from '../runtime/control/control-client.js';
import type { AnswerOf, Operation, RequestOf } from '../runtime/control/protocol.js';
import type { GroupKey } from '../runtime/group/authenticated-transport.js';
import { KeyFileError, readKeyFile } from '../runtime/group/key-file.js';
import type { Output } from './output.js';

export { DEFAULT_PEER } from './defaults.js';
import { DEFAULT_PEER } from './defaults.js';

export interface ClientOptions {
  peer?: string;
  keyFile?: string;
  /** `--timeout`: seconds the whole command may wait for the peer (as given on the command line). */
  timeout?: string | number;
}

/** The `--timeout` of a command in ms, or `fallback`; undefined (after a message) when it is not a positive number. */
export function timeoutOf(o: ClientOptions, fallbackMs: number, out: Output): number | undefined {
  if (o.timeout === undefined) return fallbackMs;
  const seconds = Number(o.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    out.problem(`--timeout takes a number of seconds above 0; got \`${String(o.timeout)}\`.`);
    return undefined;
  }
  return Math.round(seconds * 1000);
}

/** The group key, or undefined after a message. */
export async function clientKey(o: ClientOptions, out: Output): Promise<GroupKey | undefined> {
  const io = out.io;
  const file = o.keyFile ?? io.env.FROG_KEY_FILE;
  if (!file) {
    out.problem('--key-file is required (or set FROG_KEY_FILE): requests to a peer are signed with the group key.');
    return undefined;
  }
  try {
    return await readKeyFile(resolvePath(io.cwd, file));
  } catch (e) {
    if (e instanceof KeyFileError) {
      out.problem(e.message, { code: e.code, file });
      return undefined;
    }
    throw e;
  }
}

/** One request of the control protocol, typed by its operation. */
export async function request<Op extends Operation>(command: string, o: ClientOptions, key: GroupKey, operation: Op, body: RequestOf<Op>, timeoutMs = 30_000): Promise<AnswerOf<Op> | undefined> {
  void command;
  return controlRequest<AnswerOf<Op>>({ peer: o.peer ?? DEFAULT_PEER, key, operation, body, timeoutMs });
}

/** A failed request (ControlError) reported to `out`: exit code 2. Anything else is a bug, thrown on. */
export function reportError(e: unknown, out: Output): number {
  if (e instanceof ControlError) {
    // The catalogue's hint for the code, for the control protocol and the peer's API (kind
    // `Control`); a refusal that relays a diagnostic of another area (a deploy's unknown
    // component type) is printed as the peer wrote it, without that area's hint.
    const hint = e.kind === 'Control' ? e.hint : undefined;
    out.problem(e.reason, { code: e.code, hint, text: `frog ${out.command}: error ${e.code}: ${e.reason}\n${hint ? `  hint: ${hint}\n` : ''}` });
    return 2;
  }
  throw e;
}
