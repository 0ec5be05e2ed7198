/**
 * StatePublisher: publishes chosen attributes of a component in the state space, under
 * `stateName` (docs/design/pipeline.md §6.5: under the name it is given).
 *
 * Attributes:
 * - `stateName` (String, required): the name observers look for.
 * - `source` (LAZY reference to a component; default: the publisher itself): whose attributes.
 * - `attributes` (vector of Strings; default empty): the attributes to publish. Empty means
 *   every attribute of the source whose name does not start with `sf` (and, when the source is
 *   the publisher, none of its own settings).
 * - `interval` (ms, default 1000; 0: never): how often the values are read again, for values
 *   that change without an attribute being replaced (LAZY references to other components).
 *
 * The value published is a plain object `{name: value}` (runtime/state-values.ts). It is
 * published when the publisher starts, published again (only when it differs) after each
 * attribute replacement on the source and at each interval, and withdrawn when the publisher
 * terminates or the source does. A value that cannot be published (too large, SF4603) or an
 * attribute that cannot be read fails the publisher.
 */
import { pack } from 'msgpackr';
import { Prim } from '../../runtime/component/component.js';
import { abnormalRecord, errorText } from '../../runtime/component/lifecycle.js';
import type { PublishedState, StateValue } from '../../runtime/state/state-access.js';
import { toStateValue } from '../../runtime/state/state-values.js';
import { stateCall, stateNameOf } from './state-common.js';

const OWN_SETTINGS = new Set(['stateName', 'source', 'attributes', 'interval']);

export class StatePublisher extends Prim {
  private published?: PublishedState;
  private lastEncoded?: Buffer;
  private source: Prim = this;
  private stopWatching?: () => void;
  private republishQueued = false;

  protected override async deploy(): Promise<void> {
    stateNameOf(this);
    this.resolveStringVector('attributes', []);
    if (this.resolveNumber('interval', 1000) < 0) throw new Error(`\`interval\` of \`${this.path}\` must not be negative`);
    // The state space must be there before anything is published.
    void this.stateSpace;
  }

  protected override async start(): Promise<void> {
    const name = stateNameOf(this);
    if (this.hasAttribute('source')) this.source = this.resolveComponent('source');
    const value = this.collect();
    this.published = stateCall(this, () => this.stateSpace.publish(name, value));
    this.lastEncoded = pack(value);
    this.stopWatching = this.source.watchAttributes((attr) => {
      if (this.source === this && OWN_SETTINGS.has(attr)) return;
      this.queueRepublish();
    });
    if (this.source !== this) {
      const source = this.source;
      void source.whenTerminated().then(() => {
        if (this.isTerminating || !this.published || this.published.withdrawn) return;
        this.published.withdraw();
        this.log(`\`${source.path}\` has terminated: \`${name}\` withdrawn`);
      });
    }
    const interval = this.resolveNumber('interval', 1000);
    if (interval > 0) this.poll(interval);
  }

  protected override async terminate(): Promise<void> {
    this.stopWatching?.();
    this.published?.withdraw();
  }

  /** The value to publish now. */
  private collect(): StateValue {
    const source = this.source;
    let names = this.resolveStringVector('attributes', []);
    if (!names.length) names = source.attributeNames().filter((n) => !n.startsWith('sf') && !(source === this && OWN_SETTINGS.has(n)));
    const out: Record<string, StateValue> = {};
    for (const n of names) Object.defineProperty(out, n, { value: toStateValue(source.sfResolve(n)), enumerable: true, writable: true, configurable: true });
    return out;
  }

  /** Several replacements in one turn publish once. */
  private queueRepublish(): void {
    if (this.republishQueued) return;
    this.republishQueued = true;
    queueMicrotask(() => {
      this.republishQueued = false;
      this.republish();
    });
  }

  private poll(interval: number): void {
    this.setTimer(() => {
      this.republish();
      if (!this.isTerminating) this.poll(interval);
    }, interval);
  }

  /** Publishes the current value if it differs from the last one published. */
  private republish(): void {
    const published = this.published;
    if (this.isTerminating || !published || published.withdrawn) return;
    try {
      const value = this.collect();
      const encoded = pack(value);
      if (this.lastEncoded && encoded.equals(this.lastEncoded)) return;
      stateCall(this, () => published.update(value));
      this.lastEncoded = encoded;
    } catch (e) {
      void this.sfTerminate(abnormalRecord(`cannot publish \`${published.name}\`: ${errorText(e)}`, this.path, e));
    }
  }
}
