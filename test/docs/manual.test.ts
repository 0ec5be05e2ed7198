/**
 * Every example of the user's manual runs (tools/docs/examples.ts states the conventions): each
 * ```sf block of docs/*.md resolves, or fails with the code its `<!-- error SFnnnn -->` names,
 * and the ```json block after it is exactly what `frog resolve` prints. Rewrite the JSON blocks
 * with `npm run docs -- --examples` after a deliberate change, and read the difference.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Messages } from '../../core/messages/index.js';
import { checkExample, examplesOf, manualPages, runExample } from '../../tools/docs/examples.js';
import { REPO_ROOT } from '../../tools/docs/generate.js';

const pages = manualPages(REPO_ROOT);

for (const page of pages) {
  const examples = examplesOf(page, readFileSync(join(REPO_ROOT, page), 'utf8'));
  if (examples.length === 0) continue;
  test(`the examples of ${page} run (${examples.length})`, (t) => {
    t.deepEqual(examples.flatMap((e) => checkExample(REPO_ROOT, e)), []);
  });
}

test('the language reference has examples, most with their JSON', (t) => {
  const examples = examplesOf('docs/language.md', readFileSync(join(REPO_ROOT, 'docs/language.md'), 'utf8'));
  t.true(examples.length >= 30, `${examples.length} examples`);
  t.true(examples.filter((e) => e.json).length >= 20);
  t.true(examples.some((e) => e.error));
});

test('every code an example expects is a code of the catalogue', (t) => {
  const codes = new Set(Object.values(Messages).map((m) => m.code));
  for (const page of pages) {
    for (const e of examplesOf(page, readFileSync(join(REPO_ROOT, page), 'utf8'))) {
      if (e.error) t.true(codes.has(e.error), `${page}:${e.line}: ${e.error}`);
    }
  }
});

test('the conventions: a fragment is wrapped in sfConfig, an error example is checked, a JSON block compared', (t) => {
  const page = [
    '<!-- fragment -->',
    '```sf',
    'a 1;',
    '```',
    '',
    '```json',
    '{',
    '  "a": 2',
    '}',
    '```',
    `<!-- error ${Messages.ReferenceNotFound.code} -->`,
    '```sf',
    'sfConfig extends { a b; }',
    '```',
    '```sf',
    'sfConfig extends { a 1; }',
    '```',
  ].join('\n');
  const [fragment, failing, plain] = examplesOf('docs/x.md', page);
  t.like(fragment, { fragment: true, line: 2, json: { text: '{\n  "a": 2\n}\n' } });
  t.is(runExample(REPO_ROOT, fragment!).json, '{\n  "a": 1\n}\n');
  t.is(checkExample(REPO_ROOT, fragment!).length, 1);
  t.is(failing!.error, Messages.ReferenceNotFound.code);
  t.deepEqual(checkExample(REPO_ROOT, failing!), []);
  t.deepEqual(checkExample(REPO_ROOT, plain!), []);
  t.deepEqual(checkExample(REPO_ROOT, { ...plain!, error: Messages.ReferenceNotFound.code }).length, 1);
});
