/**
 * Lifecycle states, termination records and the errors of the component runtime
 * (architecture.md "Names and defaults", components.md §2).
 */

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
  /** The diagnostic code when the cause was a diagnostic (`SF4004`). */
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
  if (e instanceof ComponentError) return { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}) };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** The text of an error for a termination reason, without stack traces. */
export function errorText(e: unknown): string {
  if (e instanceof ComponentError && e.code) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** A run-time failure of a component; carries the component path and, for diagnostics, the code. */
export class ComponentError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ComponentError';
  }
}

/** An attribute is missing or has the wrong kind (SF4004/SF4005). */
export class AttributeError extends ComponentError {
  constructor(message: string, path: string, code: string) {
    super(message, path, code);
    this.name = 'AttributeError';
  }
}

/** A run-time reference could not be resolved (SF4006). */
export class ReferenceError extends ComponentError {
  constructor(message: string, path: string, code: string) {
    super(message, path, code);
    this.name = 'ReferenceResolutionError';
  }
}

/**
 * Thrown out of a lifecycle phase once the failing component has already been
 * terminated (and its parent notified): callers only unwind, they do not terminate again.
 */
export class LifecycleFailure extends Error {
  constructor(readonly record: TerminationRecord) {
    super(record.reason);
    this.name = 'LifecycleFailure';
  }
}
