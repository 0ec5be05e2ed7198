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
import { validateCommand } from '../../cli/commands/resolve/action.js';
import { memoryIo } from '../../cli/io.js';
import { DEFAULT_GROUP } from '../../cli/commands/peer/command.js';
import { checkExample, examplesOf, fileBlocks, manualPages, runExample } from '../../tools/docs/examples.js';
import { REPO_ROOT } from '../../tools/docs/generate.js';

const pages = manualPages(REPO_ROOT);

for (const page of pages) {
  const examples = examplesOf(page, readFileSync(join(REPO_ROOT, page), 'utf8'));
  if (examples.length === 0) continue;
  test(`the examples of ${page} run (${examples.length})`, (t) => {
    t.deepEqual(examples.flatMap((e) => checkExample(REPO_ROOT, e)), []);
  });
}

test('a block marked <!-- file PATH --> is the content of that file', (t) => {
  let count = 0;
  for (const page of pages) {
    for (const b of fileBlocks(page, readFileSync(join(REPO_ROOT, page), 'utf8'))) {
      count++;
      t.is(b.source, readFileSync(join(REPO_ROOT, b.file), 'utf8'), `${page}:${b.line} shows ${b.file}`);
    }
  }
  t.true(count >= 4);
});

test('the README\'s files exist and validate: examples/my-app.sf, the examples it runs', async (t) => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const files = [...new Set([...readme.matchAll(/\b(examples\/[\w./-]+\.sf)\b/g)].map((m) => m[1]!))];
  t.true(files.includes('examples/my-app.sf'), 'the README deploys examples/my-app.sf');
  const io = memoryIo(REPO_ROOT);
  const code = await validateCommand({ files: files.filter((f) => !f.includes('*')).map((f) => join(REPO_ROOT, f)), includePath: [] }, io);
  t.is(code, 0, io.err.join(''));
});

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

test('the README\'s peers and examples/cluster/\'s use different control ports and groups', (t) => {
  const settings = (file: string) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    const peers = text.split('\n').filter((l) => /\bpeer --name\b/.test(l));
    return {
      ports: new Set(peers.map((l) => /--listen \S+:(\d+)/.exec(l)?.[1] ?? 'default')),
      groups: new Set(peers.map((l) => /--group (\S+)/.exec(l)?.[1] ?? DEFAULT_GROUP)),
    };
  };
  const readme = settings('README.md');
  const cluster = settings('examples/cluster/README.md');
  t.true(readme.ports.size >= 2 && cluster.ports.size >= 3);
  t.deepEqual([...readme.ports].filter((p) => cluster.ports.has(p)), []);
  t.deepEqual([...readme.groups].filter((g) => cluster.groups.has(g)), []);
});
