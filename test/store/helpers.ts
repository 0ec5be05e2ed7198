/** Builders shared by the store tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeploymentPlan } from '../../core/plan-types.js';
import type { ComponentRecord, LifecycleState } from '../../runtime/persistence/store/index.js';

export function tempDir(prefix = 'frog-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A record with sensible defaults; `path` decides the parent unless `parent` is given. */
export function record(path: string, fields: Partial<ComponentRecord> = {}): ComponentRecord {
  const cut = path.lastIndexOf(':');
  return {
    app: 'app',
    path,
    parent: cut < 0 ? null : path.slice(0, cut),
    planId: 'plan-1',
    description: { type: 'Prim', host: '', attributes: [['greeting', 'hello']], lazy: [] },
    attributes: [['greeting', 'hello']],
    children: [],
    lifecycle: 'running' as LifecycleState,
    epoch: 1,
    ...fields,
  };
}

export function plan(id: string, name = 'app'): DeploymentPlan {
  return {
    format: 1,
    id,
    name,
    source: `${name}.sf`,
    root: {
      name: 'sfConfig',
      path: 'sfConfig',
      type: 'Compound',
      host: '',
      attributes: [['n', 1], ['big', { $long: '9007199254740993' }]],
      lazy: [],
      children: [],
    },
  };
}
