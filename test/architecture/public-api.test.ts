/**
 * The public surface: `frogpond` names what a user needs and nothing a test double or an
 * internal helper; `frogpond/testing` holds the doubles; both resolve for a user module
 * wherever it lives, to this running copy (one class each, so `instanceof` holds).
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '../../index.js';
import * as testing from '../../testing.js';
import { importUserModule } from '../../runtime/host/user-modules.js';
import { scratchDir } from '../support/scratch.js';

const PUBLIC = [
  'Prim', 'Compound', 'ComponentRegistry', 'createStandardRegistry', 'Sequence', 'Exec',
  'parse', 'parseReference', 'print', 'renderDiagnostics', 'Messages',
  'resolveFile', 'toCanonicalJson', 'Description', 'Ref',
  'compile', 'compileFile', 'readPlan', 'serialisePlan', 'planId',
  'ComponentHost', 'EventStream', 'SystemClock', 'Peer', 'GroupMember', 'UdpMulticastTransport', 'LmdbCheckpointStore', 'recover',
  'ComponentError', 'PlanFormatError', 'StoreError', 'ControlError', 'FunctionError',
];
const INTERNAL = [
  'MemoryNetwork', 'ManualClock', 'SkewedClock', 'Simulation', 'MemoryCheckpointStore', 'MemoryPeerLinks',
  'bindRemoteTree', 'placeNode', 'placePlan', 'REMOTE_TYPE', 'HeartbeatMachine', 'LinkPhase',
  'group', 'store',
];

test('frogpond exports each stage and the component API', (t) => {
  const names = new Set(Object.keys(api));
  t.deepEqual(PUBLIC.filter((n) => !names.has(n)), []);
});

test('frogpond exports no test double and no internal', (t) => {
  const names = new Set(Object.keys(api));
  t.deepEqual(INTERNAL.filter((n) => names.has(n)), []);
});

test('frogpond/testing exports the doubles, and no double is exported twice', (t) => {
  for (const n of ['ManualClock', 'MemoryNetwork', 'Simulation', 'MemoryCheckpointStore', 'MemoryPeerLinks']) t.true(n in testing, n);
  t.deepEqual(Object.keys(testing).filter((n) => n in api), []);
});

test('the entry points are the only re-exports: no `export *` in index.ts or testing.ts', (t) => {
  for (const file of ['index.ts', 'testing.ts']) {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    t.false(/export \*(?! as Ast)/.test(text), file);
  }
});

test('package.json maps frogpond and frogpond/testing to the build', (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { default: string }> };
  t.is(pkg.exports['.']!.default, './dist/index.js');
  t.is(pkg.exports['./testing']!.default, './dist/testing.js');
});

test('a user module anywhere imports frogpond and frogpond/testing as this copy', async (t) => {
  const dir = scratchDir('frog-api-');
  const file = join(dir, 'uses-testing.ts');
  writeFileSync(
    file,
    "import { Prim } from 'frogpond';\nimport { ManualClock } from 'frogpond/testing';\n" +
      'export class Timed extends Prim {}\nexport const clock = new ManualClock(5);\n',
  );
  const m = await importUserModule(file);
  t.true((m.Timed as { prototype: unknown }).prototype instanceof api.Prim);
  t.true(m.clock instanceof testing.ManualClock);
});
