import test from 'ava';
import { planRecovery, type ComponentRecord, type RecoveryNode } from '../../runtime/persistence/store/index.js';
import { record } from './helpers.js';

const shape = (node: RecoveryNode): unknown => ({
  [node.record.path]: node.children.map(shape),
  ...(node.missingChildren.length ? { missing: node.missingChildren } : {}),
});
const paths = (records: ComponentRecord[]) => records.map((r) => `${r.app}/${r.path}`);

test('trees are rebuilt parents first, children in recorded order, whatever the input order', (t) => {
  const records = [
    record('sfConfig:b:y'),
    record('sfConfig:a'),
    record('sfConfig', { children: ['b', 'a', 'remote'] }),
    record('sfConfig:b', { children: ['y', 'x'] }),
    record('sfConfig:b:x'),
    record('sfConfig', { app: 'other', lifecycle: 'recovering' }),
    // The root of a fragment placed here by a parent on another peer.
    record('sfConfig:web', { app: 'third', parent: null }),
  ];
  const plan = planRecovery(records);
  t.deepEqual(plan.trees.map(shape), [
    { sfConfig: [{ 'sfConfig:b': [{ 'sfConfig:b:y': [] }, { 'sfConfig:b:x': [] }] }, { 'sfConfig:a': [] }], missing: ['remote'] },
    { sfConfig: [] },
    { 'sfConfig:web': [] },
  ]);
  t.deepEqual(paths(plan.rebuild), [
    'app/sfConfig',
    'app/sfConfig:b',
    'app/sfConfig:b:y',
    'app/sfConfig:b:x',
    'app/sfConfig:a',
    'other/sfConfig',
    'third/sfConfig:web',
  ]);
  t.deepEqual(plan.orphans, []);
  t.deepEqual(plan.finished, []);
  t.deepEqual(plan.deletes, []);
});

test('orphans: parent gone, parent no longer listing the child, and everything under them', (t) => {
  const records = [
    record('sfConfig', { children: ['kept'] }),
    record('sfConfig:kept'),
    // Detached: the parent's list no longer names it (crash between detach and delete).
    record('sfConfig:detached', { children: ['deep'] }),
    record('sfConfig:detached:deep'),
    // Its parent's record is gone.
    record('sfConfig:gone:child'),
    // Same path in another application whose root is gone.
    record('sfConfig:kept', { app: 'other' }),
  ];
  const plan = planRecovery(records);
  t.deepEqual(paths(plan.rebuild), ['app/sfConfig', 'app/sfConfig:kept']);
  t.deepEqual(paths(plan.orphans), [
    'app/sfConfig:detached:deep',
    'app/sfConfig:gone:child',
    'app/sfConfig:detached',
    'other/sfConfig:kept',
  ]);
  t.deepEqual(plan.deletes, plan.orphans.map(({ app, path }) => ({ app, path })));
});

test('terminating, terminated and failed components are finished with their subtrees, never rebuilt', (t) => {
  const records = [
    record('sfConfig', { children: ['stopping', 'ok', 'dead'] }),
    record('sfConfig:stopping', { lifecycle: 'terminating', children: ['still'] }),
    record('sfConfig:stopping:still', { lifecycle: 'running' }),
    record('sfConfig:ok', { lifecycle: 'starting' }),
    record('sfConfig:dead', { lifecycle: 'failed' }),
    record('sfConfig', { app: 'done', lifecycle: 'terminated', children: ['c'] }),
    record('sfConfig:c', { app: 'done' }),
  ];
  const plan = planRecovery(records);
  t.deepEqual(plan.trees.map(shape), [{ sfConfig: [{ 'sfConfig:ok': [] }] }]);
  t.deepEqual(paths(plan.finished), [
    'app/sfConfig:stopping:still',
    'app/sfConfig:dead',
    'app/sfConfig:stopping',
    'done/sfConfig:c',
    'done/sfConfig',
  ]);
  t.deepEqual(plan.orphans, []);
  t.is(plan.deletes.length, 5);
});

test('a child record that names another parent, a cycle, or a repeated name is not rebuilt twice', (t) => {
  const records = [
    record('sfConfig', { children: ['a', 'a'] }),
    record('sfConfig:a'),
    // Claims a parent that does not list it, and the parent claims it: a loop without a root.
    record('x:y', { parent: 'x:y:z' }),
    record('x:y:z', { parent: 'x:y', children: ['q'] }),
  ];
  const plan = planRecovery(records);
  t.deepEqual(paths(plan.rebuild), ['app/sfConfig', 'app/sfConfig:a']);
  t.deepEqual(paths(plan.orphans).sort(), ['app/x:y', 'app/x:y:z']);
});

test('an empty store gives an empty plan', (t) => {
  t.deepEqual(planRecovery([]), { trees: [], rebuild: [], finished: [], orphans: [], deletes: [] });
});
