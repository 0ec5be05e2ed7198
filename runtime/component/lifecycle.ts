/**
 * Lifecycle states, termination records and the errors of the component runtime
 * (docs/design/pipeline.md §6, docs/design/components.md §2).
 */
import { FrogError, relayedEntry, type FrogErrorOptions } from '../../core/errors.js';
import { Messages, type MessageEntry } from '../../core/messages/index.js';

/** One enum everywhere: events, checkpoints, status. */
export type LifecycleState =
  | 'deploying'
  | 'deployed'
  | 'starting'
  | 'running'
  | 'terminating'
  | 'terminated'
  | 'failed'
  | 'recovering';

export const LIFECYCLE_STATES: readonly LifecycleState[] = [
  'deploying', 'deployed', 'starting', 'running', 'terminating', 'terminated', 'failed', 'recovering',
];

/** A plain, serialisable description of what caused a termination. */
export interface TerminationCause {
  name: string;
  message: string;
  /** The diagnostic code when the cause was a diagnostic (such as SF4004). */
  code?: string;
}

/**
 * Why a component terminated. `type` is "normal", "abnormal", "externalReferenceDead"
 * or any string a component chooses; `path` is the component that terminated first.
 */
export interface TerminationRecord {
  type: 'normal' | 'abnormal' | string;
  reason: string;
  path: string;
  cause?: TerminationCause;
}

export function normalRecord(reason: string, path = ''): TerminationRecord {
  return { type: 'normal', reason, path };
}

export function abnormalRecord(reason: string, path = '', cause?: unknown): TerminationRecord {
  const record: TerminationRecord = { type: 'abnormal', reason, path };
  if (cause !== undefined) record.cause = causeOf(cause);
  return record;
}

export function isNormal(record: TerminationRecord): boolean {
  return record.type === 'normal';
}

/** A serialisable cause: error name, message and diagnostic code when there is one. */
export function causeOf(e: unknown): TerminationCause {
  if (e instanceof ComponentError) {
    const code = reportedCode(e);
    return { name: e.name, message: e.message, ...(code ? { code } : {}) };
  }
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** The text of an error for a termination reason, without stack traces. */
export function errorText(e: unknown): string {
  if (e instanceof ComponentError) {
    const code = reportedCode(e);
    return code ? `${code}: ${e.message}` : e.message;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The code a component error is reported with: none for a component's own words (SF4013). */
function reportedCode(e: ComponentError): string | undefined {
  return e.code === Messages.ComponentFailed.code ? undefined : e.code;
}

/**
 * A run-time failure of a component: a catalogue entry, its parameters and the component path.
 *
 * `new ComponentError(text, path)` remains for the words a component writes itself: it is
 * SF4013 (ComponentFailed), reported without a code as it always was. With a code as third
 * argument (`new ComponentError(text, path, code)`), the text is taken as already formatted
 * under that code: its kind and hint are the catalogue's.
 */
export class ComponentError extends FrogError {
  readonly path: string;

  constructor(entry: MessageEntry, params: Record<string, unknown>, path: string, options?: FrogErrorOptions);
  constructor(message: string, path: string, code?: string);
  constructor(first: MessageEntry | string, second: Record<string, unknown> | string, third?: string, options?: FrogErrorOptions) {
    const byText = typeof first === 'string';
    const entry = byText ? (third ? relayedEntry(third, Messages.ComponentFailed) : Messages.ComponentFailed) : first;
    super(entry, byText ? { message: first } : (second as Record<string, unknown>), byText ? undefined : options);
    this.path = byText ? (second as string) : (third as string);
    this.name = 'ComponentError';
  }
}

/** An attribute is missing or has the wrong kind (SF4004/SF4005). */
export class AttributeError extends ComponentError {
  override name = 'AttributeError';
}

/**
 * A run-time reference could not be resolved (SF4006, SF4007, SF4410). Named so that it does
 * not shadow the JavaScript built-in `ReferenceError`; its `name` is unchanged.
 */
export class UnresolvedReferenceError extends ComponentError {
  override name = 'ReferenceResolutionError';
}

/**
 * Thrown out of a lifecycle phase once the failing component has already been
 * terminated (and its parent notified): callers only unwind, they do not terminate again.
 * Its message is the record's reason (SF4014).
 */
export class LifecycleFailure extends FrogError {
  constructor(readonly record: TerminationRecord) {
    super(Messages.LifecycleFailed, { reason: record.reason });
    this.name = 'LifecycleFailure';
  }
}
