import test from 'ava';
import { BUILT_IN_VOLATILE, checkpointAttributes, restoredAttributes } from '../../runtime/persistence/store/index.js';

test('volatile attributes are never stored, tagged or built in', (t) => {
  const result = checkpointAttributes(
    [
      ['port', 8080],
      ['session', 'abc'],
      ['sfStartTime', { $long: '1700000000000' }],
      ['sfLivenessDelay', 15],
      ['name', 'web'],
    ],
    { session: ['sfVolatile'], port: ['sfExport'] },
  );
  t.deepEqual(result, { attributes: [['port', 8080], ['name', 'web']], tags: { port: ['sfExport'] } });
  t.true(BUILT_IN_VOLATILE.has('sfHost'));
});

test('cached attributes are stored once, with their first value', (t) => {
  const tags = { token: ['sfCached'] };
  const first = checkpointAttributes([['token', 'first'], ['count', 1]], tags);
  t.deepEqual(first.attributes, [['token', 'first'], ['count', 1]]);
  // Later checkpoints keep the stored value of a cached attribute and update the others.
  const later = checkpointAttributes([['token', 'second'], ['count', 2]], tags, first.attributes);
  t.deepEqual(later.attributes, [['token', 'first'], ['count', 2]]);
  t.deepEqual(later.tags, { token: ['sfCached'] });
  // A cached attribute added after the first checkpoint is stored when it first appears.
  const added = checkpointAttributes([['token', 'second'], ['count', 3], ['extra', 'e']], { ...tags, extra: ['sfCached'] }, later.attributes);
  t.deepEqual(added.attributes, [['token', 'first'], ['count', 3], ['extra', 'e']]);
  // No tags at all: no tags field.
  t.false('tags' in checkpointAttributes([['a', 1]], undefined));
});

test('recovery restores stored values, resets volatile ones, keeps removals', (t) => {
  const description = {
    type: 'Prim',
    host: '',
    attributes: [
      ['count', 0],
      ['session', 'fresh'],
      ['sfLivenessDelay', 5],
      ['removed', true],
    ] as [string, number | string | boolean][],
    tags: { session: ['sfVolatile'] },
    lazy: [],
  };
  const stored: [string, number | string][] = [['added', 'at run time'], ['count', 7]];
  t.deepEqual(restoredAttributes(description, stored), [
    ['count', 7],
    ['session', 'fresh'],
    ['sfLivenessDelay', 5],
    ['added', 'at run time'],
  ]);
});
