/**
 * StateObserver: the providers of a state name as live attributes, with an event for each
 * provider that appears, changes or goes.
 *
 * Attributes:
 * - `stateName` (String, required).
 * - `minimum` (default 0): the observer reaches `running` only once at least this many
 *   providers are visible.
 * - `timeout` (ms, default 0: wait for ever): fail (SF4605) when `minimum` is not reached in time.
 * Live attributes, replaced at each change (LAZY references see them; checkpoints record them):
 * - `providers`: a vector of the providers' values, in the order they appeared (plain objects
 *   become DATA descriptions, see runtime/state-values.ts).
 * - `providerIds`: their ids, in the same order. `count`: how many.
 * Events on the host's stream: `provider-added`, `provider-changed`, `provider-removed`, with
 * `stateName`, `provider` (the id), `value` and a `text` summary.
 */
import { Messages } from '../../core/messages/index.js';
import { Prim } from '../../runtime/component/component.js';
import { ComponentError } from '../../runtime/component/lifecycle.js';
import type { Observation, ProviderEntry } from '../../runtime/state/state-access.js';
import { fromStateValue, jsonSafe } from '../../runtime/state/state-values.js';
import { stateCall, stateNameOf, valueSummary } from './state-common.js';

export class StateObserver extends Prim {
  private observation?: Observation;
  private waiter?: () => void;

  protected override async deploy(): Promise<void> {
    stateNameOf(this);
    if (this.resolveInteger('minimum', 0) < 0) throw new Error(`\`minimum\` of \`${this.path}\` must not be negative`);
    if (this.resolveNumber('timeout', 0) < 0) throw new Error(`\`timeout\` of \`${this.path}\` must not be negative`);
    void this.stateSpace;
  }

  protected override async start(): Promise<void> {
    const name = stateNameOf(this);
    this.publishAttributes([]);
    this.observation = stateCall(this, () =>
      this.stateSpace.observe(name, {
        added: (p) => this.seen('provider-added', name, p),
        changed: (p) => this.seen('provider-changed', name, p),
        removed: (p) => this.seen('provider-removed', name, p),
      }),
    );
    const minimum = this.resolveInteger('minimum', 0);
    if (minimum > 0) await this.waitFor(name, minimum, this.resolveNumber('timeout', 0));
  }

  protected override async terminate(): Promise<void> {
    this.observation?.close();
    this.waiter?.();
  }

  /** The providers visible now (empty before start). */
  providers(): ProviderEntry[] {
    return this.observation?.providers() ?? [];
  }

  private seen(event: string, name: string, p: ProviderEntry): void {
    if (this.isTerminating) return;
    this.publishAttributes(this.providers());
    this.host.emit(this, event, { stateName: name, provider: p.id, value: jsonSafe(p.value), text: event === 'provider-removed' ? p.id : `${p.id} ${valueSummary(p.value)}` });
    this.waiter?.();
  }

  private publishAttributes(providers: ProviderEntry[]): void {
    this.sfReplaceAttribute('providers', providers.map((p) => fromStateValue(p.value)));
    this.sfReplaceAttribute('providerIds', providers.map((p) => p.id));
    this.sfReplaceAttribute('count', providers.length);
  }

  /** Resolves once `minimum` providers are visible or the observer terminates; throws SF4605 on timeout. */
  private waitFor(name: string, minimum: number, timeout: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.isTerminating || this.providers().length >= minimum) {
          this.waiter = undefined;
          resolve();
        }
      };
      this.waiter = check;
      if (timeout > 0) {
        this.setTimer(() => {
          if (!this.waiter) return;
          this.waiter = undefined;
          const params = { count: this.providers().length, minimum, name, path: this.path, timeout };
          reject(new ComponentError(Messages.TooFewProviders, params, this.path));
        }, timeout);
      }
      check();
    });
  }
}
