/**
 * Hand-made plans and test components for the runtime tests.
 * `c(type, attrs, children)` describes a node; `plan(root)` fills in names and paths.
 */
import type { DeploymentPlan, EncodedValue, PlanNode } from '../../core/plan-types.js';
import { ComponentHost, EventRecorder, ManualClock, Prim, type RuntimeEvent } from '../../runtime/index.js';
import { createStandardRegistry } from '../../stdlib/index.js';

export interface Spec {
  type: string;
  attrs: [string, EncodedValue][];
  children: [string, Spec][];
}

export function c(type: string, attrs: Record<string, EncodedValue> = {}, children: Record<string, Spec> = {}): Spec {
  return { type, attrs: Object.entries(attrs), children: Object.entries(children) };
}

export function lazy(text: string): EncodedValue {
  return { $ref: text, lazy: true };
}

function build(spec: Spec, name: string, parentPath: string): PlanNode {
  const path = parentPath ? `${parentPath}:${name}` : name;
  const lazyNames = spec.attrs
    .filter(([, v]) => typeof v === 'object' && v !== null && !Array.isArray(v) && ('$ref' in v || '$apply' in v) && (v as { lazy?: boolean }).lazy)
    .map(([n]) => n);
  return {
    name,
    path,
    type: spec.type,
    host: '',
    attributes: [['sfClass', spec.type], ...spec.attrs],
    lazy: lazyNames,
    children: spec.children.map(([n, s]) => build(s, n, path)),
  };
}

export function plan(root: Spec, name = 'test', source = ''): DeploymentPlan {
  return { format: 1, id: '', name, source, root: build(root, 'sfConfig', '') };
}

/**
 * A component for tests: `failIn` ("deploy" | "start") throws there; `hangPing true` never
 * answers pings; `hangTerminate true` never returns from its terminate hook; `finishAfter`
 * (ms) terminates with `finishType` ("normal") after that long.
 */
export class Probe extends Prim {
  protected override async deploy(): Promise<void> {
    if (this.resolveString('failIn', '') === 'deploy') throw new Error(`${this.name} refuses to deploy`);
  }

  protected override async start(): Promise<void> {
    if (this.resolveString('failIn', '') === 'start') throw new Error(`${this.name} refuses to start`);
    if (this.hasAttribute('finishAfter')) {
      const type = this.resolveString('finishType', 'normal');
      this.setTimer(() => void this.sfTerminate({ type, reason: `${this.name} finished`, path: this.path }), this.resolveNumber('finishAfter'));
    }
  }

  protected override async ping(): Promise<void> {
    if (this.resolveBoolean('hangPing', false)) await new Promise(() => undefined);
  }

  protected override async terminate(): Promise<void> {
    if (this.resolveBoolean('hangTerminate', false)) await new Promise(() => undefined);
  }
}

/** A Probe-like compound: creates its children at deploy time. */
export class ProbeCompound extends Probe {
  protected override deploysChildren = true;
}

export function testRegistry() {
  return createStandardRegistry().register('Probe', Probe).register('ProbeCompound', ProbeCompound);
}

export interface Harness {
  host: ComponentHost;
  clock: ManualClock;
  recorder: EventRecorder;
  /** Lifecycle events as text (output/log omitted unless asked). */
  trace(withOutput?: boolean): string;
}

export function harness(options: { liveness?: { delay?: number; factor?: number } } = {}): Harness {
  const clock = new ManualClock();
  const host = new ComponentHost({ registry: testRegistry(), peer: 'test', clock, liveness: options.liveness ?? { delay: 0 } });
  const recorder = new EventRecorder(host.events);
  return {
    host,
    clock,
    recorder,
    trace: (withOutput = false) =>
      recorder.trace((e: RuntimeEvent) => withOutput || (e.event !== 'output' && e.event !== 'log')),
  };
}

export function lines(...l: string[]): string {
  return l.join('\n');
}
