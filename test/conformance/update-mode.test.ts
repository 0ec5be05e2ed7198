/**
 * The update mode of the conformance suite (`SF_UPDATE=1`), run on copies of cases in a
 * scratch folder: it writes the expectation a case now produces and removes the other one,
 * which would be stale after the case's outcome flipped between error and success.
 */
import test from 'ava';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../support/scratch.js';
import { readErrorExpectation, runCase, updateExpectation } from './golden.js';

function makeCase(group: string, files: Record<string, string>): string {
  const dir = join(scratchDir('frog-golden-'), group, 'case');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function update(dir: string, group: string): 'error' | 'json' | 'none' {
  return updateExpectation(dir, group, runCase(dir, group));
}

test('a case that now fails gets expected.error and loses its stale expected.json', (t) => {
  const dir = makeCase('errors', {
    'input.sf': 'sfConfig extends {\n    a missing;\n}\n',
    'expected.json': '{\n  "$cd": []\n}\n',
  });
  t.is(update(dir, 'errors'), 'error');
  t.false(existsSync(join(dir, 'expected.json')));
  t.is(
    readFileSync(join(dir, 'expected.error'), 'utf8'),
    'LinkResolution\ninput.sf:2:7 SF2501 Unresolved Reference `missing` in `sfConfig:a`: reference not found: no `missing` in `sfConfig`.\n',
  );
});

test('a case that now resolves gets expected.json and loses its stale expected.error', (t) => {
  const dir = makeCase('cases', {
    'input.sf': 'sfConfig extends { a 1; }\n',
    'expected.error': 'LinkResolution\nreference not found\n',
  });
  t.is(update(dir, 'cases'), 'json');
  t.false(existsSync(join(dir, 'expected.error')));
  t.is(readFileSync(join(dir, 'expected.json'), 'utf8'), '{\n  "$cd": [\n    [\n      "a",\n      1\n    ]\n  ]\n}\n');
});

test('outside errors/, a phrase expectation keeps its phrase; in errors/ it is rewritten with every diagnostic', (t) => {
  const input = 'sfConfig extends { a (1 / 0); }\n';
  const shared = makeCase('cases', { 'input.sf': input, 'expected.error': 'Function\nDivision by zero\n' });
  update(shared, 'cases');
  t.is(readFileSync(join(shared, 'expected.error'), 'utf8'), 'Function\nDivision by zero\n');
  const ours = makeCase('errors', { 'input.sf': input, 'expected.error': 'Function\nDivision by zero\n' });
  update(ours, 'errors');
  t.deepEqual(readErrorExpectation(join(ours, 'expected.error')), {
    kind: 'Function',
    lines: ['input.sf:1:22 SF2604 Division by zero in `/`.'],
  });
});

test('a renumbering of generated names alone does not rewrite expected.json', (t) => {
  const dir = makeCase('cases', { 'input.sf': 'sfConfig extends { -- 1; }\n' });
  update(dir, 'cases');
  const written = readFileSync(join(dir, 'expected.json'), 'utf8');
  t.regex(written, /"unique\d+"/);
  const renumbered = written.replace(/"unique\d+"/, '"unique99"');
  writeFileSync(join(dir, 'expected.json'), renumbered);
  update(dir, 'cases');
  t.is(readFileSync(join(dir, 'expected.json'), 'utf8'), renumbered);
});
