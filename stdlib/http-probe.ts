/**
 * HttpProbe: liveness by HTTP GET. Every `interval` ms (1000) it requests `url` and expects
 * `status` (200) within `requestTimeout` ms (2000). `failureThreshold` (3) consecutive
 * failures terminate it abnormally, which fails its parent as usual. Failures before the
 * first success are tolerated for `startupTimeout` ms (10000), while the service starts.
 * A liveness ping from the parent fails only once the consecutive failures have reached
 * `failureThreshold`, as the probe itself does: fewer failures are tolerated either way.
 */
import { Prim } from '../runtime/component/component.js';
import { Messages } from '../core/messages/index.js';
import { ComponentError } from '../runtime/component/lifecycle.js';
import { httpStatus } from './conditions.js';

export class HttpProbe extends Prim {
  private url = '';
  private expected = 200;
  private failures = 0;
  private everUp = false;
  private startedAt = 0;
  private lastProblem = '';
  private threshold = 3;

  protected override async deploy(): Promise<void> {
    this.url = this.resolveString('url');
    if (!/^https?:\/\//.test(this.url)) {
      const params = { name: 'url', path: this.path, expected: 'an http:// or https:// URL', found: JSON.stringify(this.url) };
      throw new ComponentError(Messages.BadAttribute, params, this.path);
    }
    this.expected = this.resolveInteger('status', 200);
    this.threshold = this.resolveInteger('failureThreshold', 3);
  }

  protected override async start(): Promise<void> {
    this.startedAt = this.host.clock.now();
    this.schedule(this.resolveNumber('initialDelay', 0));
  }

  private schedule(ms: number): void {
    this.setTimer(() => this.background(() => this.probe()), ms);
  }

  private async probe(): Promise<void> {
    if (this.isTerminating) return;
    const status = await httpStatus(this.url, this.resolveNumber('requestTimeout', 2000));
    if (this.isTerminating) return;
    if (status === this.expected) {
      if (!this.everUp || this.failures > 0) this.log(`${this.url} answers ${status}`);
      this.everUp = true;
      this.failures = 0;
    } else {
      this.lastProblem = status === undefined ? 'no answer' : `status ${status}`;
      const inStartup = !this.everUp && this.host.clock.now() - this.startedAt < this.resolveNumber('startupTimeout', 10_000);
      if (!inStartup) {
        this.failures++;
        this.log(`${this.url}: ${this.lastProblem} (${this.failures}/${this.threshold})`);
        if (this.failures >= this.threshold) {
          void this.sfTerminate({ type: 'abnormal', reason: `HTTP probe of ${this.url} failed ${this.failures} times in a row: ${this.lastProblem}`, path: this.path });
          return;
        }
      }
    }
    this.schedule(this.resolveNumber('interval', 1000));
  }

  protected override async ping(): Promise<void> {
    if (this.failures >= this.threshold) throw new ComponentError(`${this.url}: ${this.lastProblem} (${this.failures} failures in a row)`, this.path);
  }
}
