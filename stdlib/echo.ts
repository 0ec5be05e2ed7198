/**
 * Echo and Log: write a message to the event stream (`frog run` prints Echo's `output`
 * events on standard output and Log's `log` events with the progress), then terminate
 * normally when `sfShouldTerminate` (true by default) — so they work as workflow steps.
 */
import { Description, Ref, SfDouble, SfFloat } from '../compiler/values.js';
import { Prim, type RuntimeValue } from '../runtime/component.js';
import { normalRecord } from '../runtime/lifecycle.js';

/** The text of a value for messages: strings as they are, vectors as `[a, b]`. */
export function valueText(v: RuntimeValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof SfFloat || v instanceof SfDouble) return String(v.value);
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  if (v instanceof Prim) return v.path;
  if (v instanceof Ref) return v.toString();
  if (v instanceof Description) return `{${[...v.attrs.keys()].join(', ')}}`;
  return String(v);
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
