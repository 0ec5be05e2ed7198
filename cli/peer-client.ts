/**
 * What the client commands (`deploy`, `status`, `terminate`, `members`) share: the peer's
 * address (`--peer`, default 127.0.0.1:7420), the group key (`--key-file` or FROG_KEY_FILE),
 * one signed request, and its errors as one line with a code and a hint, never a stack trace.
 */
import { resolve as resolvePath } from 'node:path';
import { Messages } from '../core/messages/index.js';
import { ControlError, controlRequest } from '../runtime/control/control-client.js';
import type { GroupKey } from '../runtime/group/authenticated-transport.js';
import { KeyFileError, readKeyFile } from '../runtime/group/key-file.js';
import type { Io } from './io.js';

export const DEFAULT_PEER = '127.0.0.1:7420';

export interface ClientOptions {
  peer?: string;
  keyFile?: string;
}

/** The group key, or undefined after a message. */
export async function clientKey(command: string, o: ClientOptions, io: Io): Promise<GroupKey | undefined> {
  const file = o.keyFile ?? io.env.FROG_KEY_FILE;
  if (!file) {
    io.stderr(`frog ${command}: --key-file is required (or set FROG_KEY_FILE): requests to a peer are signed with the group key.\n`);
    return undefined;
  }
  try {
    return await readKeyFile(resolvePath(io.cwd, file));
  } catch (e) {
    if (e instanceof KeyFileError) {
      io.stderr(`frog ${command}: ${e.message}\n`);
      return undefined;
    }
    throw e;
  }
}

const HINTS: Record<string, string | undefined> = {
  SF4311: Messages.ControlUnreachable.hint,
  SF4310: Messages.ControlUnsignedAnswer.hint,
  SF4304: 'Use the key file of the group this peer belongs to.',
  SF4305: Messages.ControlStale.hint,
  SF4312: Messages.ControlWrongTarget.hint,
  SF4313: Messages.ControlBeforeStart.hint,
  SF4405: Messages.UnknownApplication.hint,
  SF4407: Messages.ApplicationExists.hint,
};

/** One request; on failure the error line is printed and undefined returned. */
export async function request<T>(command: string, o: ClientOptions, key: GroupKey, operation: string, body: unknown, timeoutMs = 30_000): Promise<T | undefined> {
  void command;
  return controlRequest<T>({ peer: o.peer ?? DEFAULT_PEER, key, operation, body, timeoutMs });
}

export function reportError(command: string, e: unknown, io: Io): number {
  if (e instanceof ControlError) {
    const hint = HINTS[e.code];
    io.stderr(`frog ${command}: error ${e.code}: ${e.reason}\n${hint ? `  hint: ${hint}\n` : ''}`);
    return 2;
  }
  throw e;
}
