/**
 * One error family: every error frogpond raises to a user is a FrogError built from a catalogue
 * entry (core/messages/) and the parameters that fill it. It carries the entry's `code`, `kind`
 * and `hint`, the formatted `message`, and the `params`; a `cause` when there is one.
 *
 * Subclasses keep their own names and `instanceof` checks (StoreError, ComponentError,
 * ControlError, ...) and add what their callers need (a path, a status, a directory). The base
 * does not set `name`: each class keeps the name it always had, so texts such as
 * `String(error)` read as before.
 *
 * A few throwables stay plain on purpose: internal control flow that never reaches a user and
 * is caught next to where it is thrown (language/fast/lexer.ts FastPathBail; the resolver's
 * Failed, Cycle, LazyFound and PrototypeCycle sentinels; the store codec's EncodeError and
 * DecodeError, which the stores turn into SF4807 and SF4803). Each says so where it is defined.
 */
import { formatMessage, messageForCode, type MessageEntry } from './messages/index.js';

export interface FrogErrorOptions {
  cause?: unknown;
}

export class FrogError extends Error {
  /** The catalogue entry the error was built from. */
  readonly entry: MessageEntry;
  readonly code: string;
  readonly kind: string;
  readonly hint: string | undefined;
  /** The parameters that filled the entry's placeholders. */
  readonly params: Readonly<Record<string, unknown>>;

  constructor(entry: MessageEntry, params: Record<string, unknown> = {}, options?: FrogErrorOptions) {
    super(formatMessage(entry, params), options);
    this.entry = entry;
    this.code = entry.code;
    this.kind = entry.kind;
    this.hint = entry.hint;
    this.params = params;
  }
}

/**
 * The entry for text that was formatted elsewhere under a code: a peer's answer that a client
 * relays, or text a component author throws with a code of its choosing. The code, and the
 * kind and hint the catalogue gives it (else `fallback`'s), with the text passed through
 * unchanged as `{message}`.
 */
export function relayedEntry(code: string, fallback: MessageEntry): MessageEntry {
  const known = messageForCode(code) ?? fallback;
  return { ...known, code, text: '{message}', fragment: true };
}
