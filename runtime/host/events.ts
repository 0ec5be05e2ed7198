/**
 * The one event stream of a component host. Every lifecycle transition, and the output
 * components produce, is an event in the format of docs/design/pipeline.md:
 * `{ time, peer, event, subject, ...details }`. The CLI, tests, the store and the group
 * all consume this stream.
 */
import type { LifecycleState, TerminationRecord } from '../component/lifecycle.js';

export type ComponentEventName = LifecycleState | 'recovered' | 'output' | 'log';

export interface RuntimeEvent {
  /** Epoch milliseconds. */
  time: number;
  /** The reporting peer's name. */
  peer: string;
  event: ComponentEventName | string;
  /** A component path (`sfConfig:a`) or a peer name. */
  subject: string;
  /** The component type (`sfClass`) for lifecycle events. */
  type?: string;
  /** For `terminating`, `terminated` and `failed`. */
  record?: TerminationRecord;
  /** For `output` (`stdout`, `stderr`) and `log` events. */
  stream?: string;
  text?: string;
  [detail: string]: unknown;
}

export type EventListener = (event: RuntimeEvent) => void;

/**
 * A synchronous fan-out emitter with async iteration. Listeners run in emission order;
 * a listener that throws is removed rather than breaking the runtime.
 */
export class EventStream {
  private listeners = new Set<EventListener>();
  /** The listeners as an array, made again after each change: an emit does not copy the set. */
  private snapshot: EventListener[] = [];

  emit(event: RuntimeEvent): void {
    // The array in force when the emit began: a listener added or removed meanwhile replaces it.
    const listeners = this.snapshot;
    for (let i = 0; i < listeners.length; i++) {
      const l = listeners[i]!;
      try {
        l(event);
      } catch {
        this.remove(l);
      }
    }
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    this.snapshot = [...this.listeners];
    return () => this.remove(listener);
  }

  private remove(listener: EventListener): void {
    if (this.listeners.delete(listener)) this.snapshot = [...this.listeners];
  }

  /** Resolves with the first event that matches, or rejects after `timeoutMs` (a guard against hangs). */
  next(match: (e: RuntimeEvent) => boolean, timeoutMs = 30_000): Promise<RuntimeEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.subscribe((e) => {
        if (!match(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  /** Iterates events from now on until the consumer stops (`break`) or `signal` aborts. */
  async *[Symbol.asyncIterator](): AsyncGenerator<RuntimeEvent> {
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.subscribe((e) => {
      queue.push(e);
      wake?.();
    });
    try {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      off();
    }
  }
}

/** Records every event, for tests and `frog run` summaries. */
export class EventRecorder {
  readonly events: RuntimeEvent[] = [];
  readonly stop: () => void;

  constructor(stream: EventStream) {
    this.stop = stream.subscribe((e) => void this.events.push(e));
  }

  /** The trace as text, one `event subject [record]` per line (see `formatEventLine`). */
  trace(filter: (e: RuntimeEvent) => boolean = () => true): string {
    return this.events.filter(filter).map((e) => formatEventLine(e)).join('\n');
  }
}

/**
 * One line for an event, without the time: `running sfConfig:a`,
 * `failed sfConfig:a abnormal "boom" at sfConfig:a`, `output sfConfig:e stdout "hi"`.
 */
export function formatEventLine(e: RuntimeEvent): string {
  let line = `${e.event} ${e.subject}`;
  if (e.record && (e.event === 'terminating' || e.event === 'terminated' || e.event === 'failed')) {
    line += ` ${e.record.type} ${JSON.stringify(e.record.reason)}`;
    if (e.record.path && e.record.path !== e.subject) line += ` at ${e.record.path}`;
  }
  if (e.event === 'output' || e.event === 'log') line += ` ${e.stream ?? ''} ${JSON.stringify(e.text ?? '')}`;
  // Other component events (`provider-added`, ...) carry their summary in `text`.
  else if (typeof e.text === 'string' && !e.record) line += ` ${e.text}`;
  return line;
}
