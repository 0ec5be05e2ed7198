/**
 * What the state components share: the `stateName` attribute, checked, and state-space
 * errors turned into component errors that keep their SF46xx code.
 */
import type { Prim } from '../../runtime/component/component.js';
import { ComponentError } from '../../runtime/component/lifecycle.js';
import { StateAccessError, checkStateName } from '../../runtime/state/state-access.js';

/** Runs a state-space call; a StateAccessError becomes a ComponentError with the same code. */
export function stateCall<T>(component: Prim, call: () => T): T {
  try {
    return call();
  } catch (e) {
    if (e instanceof StateAccessError) throw new ComponentError(e.entry, e.params, component.path);
    throw e;
  }
}

/** The component's `stateName` (a String; required), checked against the state space's rules. */
export function stateNameOf(component: Prim): string {
  const name = component.resolveString('stateName');
  stateCall(component, () => checkStateName(name));
  return name;
}

/** Short text of a value for event lines: JSON, cut at 200 characters. */
export function valueSummary(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v)) ?? 'null';
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
