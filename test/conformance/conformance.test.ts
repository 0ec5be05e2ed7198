/**
 * The golden conformance suite: every folder under test/conformance/<group>/ with an
 * `input.sf` is one case, compared with its `expected.json` (the canonical JSON of the
 * resolved sfConfig) or `expected.error` (line 1 the error kind, then every diagnostic as
 * `file:line:col SFnnnn message`, or for the shared cases a phrase the message conveys; see
 * golden.ts). `SF_UPDATE=1 npm test` rewrites the expectations from what the resolver
 * produces, and removes the other expectation file of a case whose outcome flipped; review
 * the diff.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toCanonicalJson } from '../../core/canonical.js';
import { messageForCode } from '../../core/messages/index.js';
import { diagnosticLines, normaliseUnique, readErrorExpectation, runCase, updateExpectation } from './golden.js';

const here = dirname(fileURLToPath(import.meta.url));
const update = process.env.SF_UPDATE === '1';

function caseFolders(): string[] {
  const out: string[] = [];
  for (const group of readdirSync(here).sort()) {
    const g = join(here, group);
    if (!statSync(g).isDirectory()) continue;
    for (const name of readdirSync(g).sort()) {
      const dir = join(g, name);
      if (statSync(dir).isDirectory() && existsSync(join(dir, 'input.sf'))) out.push(dir);
    }
  }
  return out;
}

function normalisePhrase(s: string): string {
  return s.toLowerCase().replace(/[`'":,.\[\]]/g, ' ').replace(/\s+/g, ' ').trim();
}

for (const dir of caseFolders()) {
  const name = dir.slice(here.length + 1);
  const group = name.split(sep)[0];
  test(name, (t) => {
    const run = runCase(dir, group);
    const { errors } = run;
    const jsonPath = join(dir, 'expected.json');
    const errorPath = join(dir, 'expected.error');
    if (update) {
      updateExpectation(dir, group, run);
      t.pass();
      return;
    }
    t.false(existsSync(jsonPath) && existsSync(errorPath), 'a case has one expectation, not both');
    if (existsSync(jsonPath)) {
      t.deepEqual(errors.map((e) => `${e.code} ${e.message}`), [], 'no errors expected');
      t.truthy(run.description);
      if (!run.description) return;
      t.is(normaliseUnique(toCanonicalJson(run.description)), normaliseUnique(readFileSync(jsonPath, 'utf8')));
      return;
    }
    const expected = readErrorExpectation(errorPath);
    t.true(errors.length > 0, `expected a ${expected.kind} error`);
    for (const e of errors) {
      t.truthy(e.code.match(/^SF\d{4}$/), `code of ${e.message}`);
      t.truthy(e.span, `span of ${e.code} ${e.message}`);
    }
    const kinds = errors.map((e) => messageForCode(e.code)?.kind);
    t.is(kinds[0], expected.kind, `the first error is a ${expected.kind} error: ${errors.map((e) => e.message).join(' | ')}`);
    if (group === 'errors') t.truthy(expected.lines, 'an errors/ case lists every diagnostic with its position');
    if (expected.lines) {
      // Every diagnostic, its position and its message, in the order reported.
      const opaque = (lines: string[]): string[] => normaliseUnique(lines.join('\n'), /\bunique\d+\b/g).split('\n');
      t.deepEqual(opaque(diagnosticLines(run, dir)), opaque(expected.lines));
      return;
    }
    const phrase = expected.phrase;
    const position = /line (\d+), column (\d+)/.exec(phrase ?? '');
    if (position) {
      const located = errors.some((e) => {
        const source = e.span && run.sources.get(e.span.file);
        if (!source || !e.span) return false;
        const p = source.position(e.span.start);
        return p.line === Number(position[1]) && p.column === Number(position[2]);
      });
      t.true(located, `an error at ${position[0]}`);
    } else if (phrase) {
      const wanted = normalisePhrase(phrase);
      const said = errors.map((e) => normalisePhrase(`${e.message} ${e.hint ?? ''} ${e.span?.file ?? ''}`));
      t.true(said.some((s) => s.includes(wanted)), `"${phrase}" conveyed by: ${errors.map((e) => e.message).join(' | ')}`);
    }
  });
}
