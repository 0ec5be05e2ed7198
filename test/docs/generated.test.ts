/**
 * The generated parts of the user's manual (docs/components.md, docs/troubleshooting.md, the
 * tables of docs/operations.md) are what their generators (tools/docs/) write today: a change
 * to the library's schemas, the message catalogue or the timing profiles that is not
 * regenerated fails here. Every code is documented (a hint or advice), every standard
 * component has a comment and every attribute a description.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentDocs } from '../../tools/docs/components.js';
import { staleAdvice, undocumentedMessages } from '../../tools/docs/errors.js';
import { REPO_ROOT, generatedDocs } from '../../tools/docs/generate.js';
import { ms, profilesTable } from '../../tools/docs/operations.js';
import { PROFILES, boundsOf } from '../../runtime/group/profiles.js';
import { Messages } from '../../core/messages/index.js';

for (const { file, text } of generatedDocs()) {
  test(`${file} is up to date`, (t) => {
    const current = readFileSync(join(REPO_ROOT, file), 'utf8');
    if (current === text) return t.pass();
    const a = current.split('\n');
    const b = text.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    t.fail(`${file} differs from what tools/docs/ generates (first at line ${line + 1}: ${JSON.stringify(a[line] ?? '')} instead of ${JSON.stringify(b[line] ?? '')}). Run \`npm run docs\` and commit the result.`);
  });
}

test('every code of the catalogue says what to do (a hint, or advice in tools/docs/errors.ts)', (t) => {
  t.deepEqual(undocumentedMessages(), [], 'add advice for these to ADVICE in tools/docs/errors.ts');
  t.deepEqual(staleAdvice(), [], 'ADVICE names entries that are not in the catalogue');
});

test('every code appears in docs/troubleshooting.md under its own heading', (t) => {
  const page = readFileSync(join(REPO_ROOT, 'docs/troubleshooting.md'), 'utf8');
  const missing = Object.values(Messages).filter((m) => !page.includes(`\n### ${m.code}\n`)).map((m) => m.code);
  t.deepEqual(missing, []);
});

test('every standard component has a comment, and each of its attributes a description', (t) => {
  const docs = componentDocs();
  const names = docs.map((d) => d.name);
  for (const expected of ['Echo', 'Log', 'Exec', 'File', 'Directory', 'HttpProbe', 'StatePublisher', 'StateObserver', 'ForEach', 'DeployOnEach', 'Sequence', 'Parallel', 'Repeat', 'Retry', 'Timeout', 'During', 'Delay', 'Try', 'Run', 'DoNothing', 'Terminator', 'If', 'WaitFor', 'FailingWaitFor', 'FileExists', 'PortOpen', 'UrlResponds', 'True', 'BooleanValue']) {
    t.true(names.includes(expected), `${expected} is documented`);
  }
  t.deepEqual(docs.filter((d) => !d.comment).map((d) => d.name), [], 'write a // comment above these prototypes (or above their schema, just before them)');
  const bare = docs.flatMap((d) => d.attributes.filter((a) => !a.description).map((a) => `${d.name}:${a.name}`));
  t.deepEqual(bare, [], 'give these schema elements a `description` (or, for sf* attributes, an entry in SF_ATTRIBUTES)');
});

test('the component page shows the schema as it is: Exec', (t) => {
  const exec = componentDocs().find((d) => d.name === 'Exec')!;
  const restart = exec.attributes.find((a) => a.name === 'restart')!;
  t.like(restart, { type: 'String', required: false, default: '"never"', allowed: '`"never"`, `"on-failure"`, `"always"`' });
  t.like(exec.attributes.find((a) => a.name === 'command'), { type: 'String', required: true });
  t.like(exec.attributes.find((a) => a.name === 'maxRestarts'), { type: 'Long', default: '3', allowed: '≥ 0' });
  t.is(exec.unlisted, 'warn');
});

test('the profiles table shows the bounds of every profile', (t) => {
  const table = profilesTable();
  for (const p of Object.values(PROFILES)) {
    const b = boundsOf(p);
    const row = table.split('\n').find((l) => l.startsWith(`| \`${p.name}\``));
    t.truthy(row, p.name);
    for (const v of [b.detection, b.restabilisation, b.join, b.merge, b.slack]) t.true(row!.includes(` ${ms(v)} |`), `${p.name}: ${ms(v)}`);
  }
});
