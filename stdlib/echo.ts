/**
 * Echo and Log: write a message to the event stream (`frog run` prints Echo's `output`
 * events on standard output and Log's `log` events with the progress), then terminate
 * normally when `sfShouldTerminate` (true by default) — so they work as workflow steps.
 */
import { textOf } from '../functions/text.js';
import { Description, Ref, type Value } from '../core/values.js';
import { Prim, type RuntimeValue } from '../runtime/component/component.js';
import { normalRecord } from '../runtime/component/lifecycle.js';

/**
 * The text of a value for messages, as `++` writes it (docs/design/language.md §10.5): strings as they
 * are, Float and Double as Java prints them (`2.0`, `1.0E10`), NULL as `NULL`, vectors as
 * `[a, b]` (compiler/functions/text.ts). Values `++` has no text for are still shown: a component as its path, a
 * reference as written, a description as `{names}`.
 */
export function valueText(v: RuntimeValue): string {
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  if (v instanceof Prim) return v.path;
  if (v instanceof Ref) return v.toString();
  if (v instanceof Description) return `{${[...v.attrs.keys()].join(', ')}}`;
  // An Integer prints the same either way; a number a component stored (a time in ms, say)
  // may not fit an Integer, and is not cut to 32 bits here.
  if (typeof v === 'number') return String(v);
  try {
    return textOf(v as Value);
  } catch {
    return String(v);
  }
}

export class Echo extends Prim {
  protected override shouldTerminateByDefault = true;

  protected override async start(): Promise<void> {
    const message = valueText(this.sfResolve('message', ''));
    for (const line of message.split('\n')) this.output(line);
    this.finished(normalRecord('message written', this.path));
  }
}

export class Log extends Prim {
  protected override shouldTerminateByDefault = true;

  protected override async start(): Promise<void> {
    const level = this.resolveString('level', 'info');
    const message = valueText(this.sfResolve('message', ''));
    this.host.emit(this, 'log', { stream: level, text: message });
    this.finished(normalRecord('message logged', this.path));
  }
}
