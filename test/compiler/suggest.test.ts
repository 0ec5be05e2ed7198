/** "Did you mean": the closest known name for a slip, and the hint a misspelt prototype gets. */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closestName, editDistance } from '../../core/suggest.js';
import { resolveFile } from '../../compiler/resolve.js';
import { scratchDir } from '../support/scratch.js';

test('edit distance counts inserts, deletes, replacements and swapped neighbours as one each', (t) => {
  t.is(editDistance('Compound', 'Compound'), 0);
  t.is(editDistance('Compund', 'Compound'), 1);
  t.is(editDistance('Compuond', 'Compound'), 1, 'a swap');
  t.is(editDistance('Sequense', 'Sequence'), 1);
  t.is(editDistance('abc', 'xyz'), 3);
});

test('the closest name is offered only when it is close enough to be a slip', (t) => {
  const names = ['Compound', 'Prim', 'Sequence', 'Parallel', 'Retry'];
  t.is(closestName('Compund', names), 'Compound');
  t.is(closestName('Sequnce', names), 'Sequence');
  t.is(closestName('Prm', names), 'Prim');
  t.is(closestName('Rety', names), 'Retry');
  t.is(closestName('Database', names), undefined);
  t.is(closestName('Pr', names), undefined);
});

test('a misspelt prototype gets a hint naming the one meant', (t) => {
  const dir = scratchDir('frog-suggest-');
  writeFileSync(
    join(dir, 'main.sf'),
    '#include "/frog/components.sf"\nDatabase extends Prim { sfClass "Prim"; }\nbroken extends Compund { }\nsfConfig extends Compound {\n  db extends Databse { }\n  far extends Zebra { }\n}\n',
  );
  const r = resolveFile(join(dir, 'main.sf'));
  const found = r.diagnostics.filter((d) => d.code === 'SF2101');
  t.is(found.length, 3, JSON.stringify(r.diagnostics.map((d) => d.message)));
  const hintOf = (ref: string) => found.find((d) => d.message.includes(`\`${ref}\``))?.hint;
  t.is(hintOf('Compund'), 'Did you mean `Compound`?');
  t.is(hintOf('Databse'), 'Did you mean `Database`?');
  t.false(String(hintOf('Zebra')).startsWith('Did you mean'), 'no guess when nothing is close');
});

test('a misspelt attribute in a reference gets a hint naming the one meant, looked up where the reference looked', (t) => {
  const dir = scratchDir('frog-suggest-');
  writeFileSync(
    join(dir, 'main.sf'),
    'sfConfig extends {\n  db extends { port 5432; host "h"; }\n  a db:prot;\n  b hots;\n  c db:zzzz;\n}\n',
  );
  const r = resolveFile(join(dir, 'main.sf'));
  const hintOf = (ref: string) => r.diagnostics.find((d) => d.code === 'SF2501' && d.message.includes(`\`${ref}\``))?.hint;
  t.is(hintOf('db:prot'), 'Did you mean `port`?');
  t.false(String(hintOf('hots')).startsWith('Did you mean `host`'), 'host is in db, not in scope of a first-part lookup here');
  t.false(String(hintOf('db:zzzz')).startsWith('Did you mean'));
});
