/**
 * Every resolution and validation code of the catalogue (SF2xxx, SF3xxx) has at least one
 * case in errors/. The few that a case folder cannot produce are tested here instead.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IncludeLoader, includesOf } from '../../compiler/includes.js';
import { resolveFile } from '../../compiler/resolve.js';
import { DiagnosticBag } from '../../core/diagnostics.js';
import { Messages } from '../../core/messages/index.js';
import { parse } from '../../language/parse.js';
import { scratchDir } from '../support/scratch.js';

const errorsDir = join(dirname(fileURLToPath(import.meta.url)), 'errors');

/** Codes no case folder can produce, and why. */
const NOT_IN_CASES: Record<string, string> = {
  SF2004: 'an include file that exists but cannot be read: every file of a checkout is readable',
  SF2006: 'a root file that cannot be read: every case has its input.sf',
  SF2901: "`frog explain`'s attribute path, not a description: test/compiler/explain.test.ts",
  SF2902: 'as SF2901, a path through a value: test/compiler/explain.test.ts',
  SF2903: 'as SF2901, text that is not a path: test/compiler/explain.test.ts',
  SF2701: 'a resolution that builds more values than its limit: test/compiler/limits.test.ts, with a small limit',
  SF2702: 'a prototype chain longer than the depth limit: test/compiler/limits.test.ts, with a small limit',
  SF2703: 'a copy nested deeper than the depth limit: test/compiler/limits.test.ts, with a small limit',
  SF3203: "the check of a plan's bytes (readPlan), not of a description: test/compiler/plan.test.ts",
  SF3204: 'a value without canonical encoding, or canonical data that is not valid: test/compiler/canonical.test.ts',
  SF3205: 'as SF3204, with where: test/compiler/canonical.test.ts',
};

function codesInCases(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const name of readdirSync(errorsDir)) {
    const path = join(errorsDir, name, 'expected.error');
    if (!existsSync(path)) continue;
    for (const m of readFileSync(path, 'utf8').matchAll(/ (SF\d{4}) /g)) {
      found.set(m[1], [...(found.get(m[1]) ?? []), name]);
    }
  }
  return found;
}

test('every SF2xxx and SF3xxx code has a case in errors/', (t) => {
  const found = codesInCases();
  const codes = Object.values(Messages).map((m) => m.code).filter((c) => /^SF[23]\d{3}$/.test(c));
  const missing = codes.filter((c) => !found.has(c) && !(c in NOT_IN_CASES));
  t.deepEqual(missing, []);
  for (const c of Object.keys(NOT_IN_CASES)) t.false(found.has(c), `${c} has a case now: drop it from NOT_IN_CASES`);
});

test('errors/ is as large as the shared cases/', (t) => {
  const count = (dir: string): number => readdirSync(dir).filter((n) => existsSync(join(dir, n, 'input.sf'))).length;
  t.true(count(errorsDir) >= count(join(errorsDir, '..', 'cases')));
});

test('SF2004: an include file that is found but cannot be read', (t) => {
  const dir = scratchDir('frog-unreadable-');
  writeFileSync(join(dir, 'lib.sf'), 'x 1;\n');
  const text = '#include "lib.sf"\nsfConfig extends { }\n';
  const main = join(dir, 'main.sf');
  const bag = new DiagnosticBag();
  const loader = new IncludeLoader([], bag, (p) => {
    if (p.endsWith('lib.sf')) throw new Error('EACCES: permission denied');
    return readFileSync(p, 'utf8');
  });
  const root = loader.loadRoot(main, text)!;
  const [inc] = includesOf(parse(text, main).ast.members);
  t.is(loader.load(inc, [root.path]), undefined);
  t.deepEqual(
    bag.items.map((d) => `${d.code} ${d.span?.start} ${d.message}`),
    ['SF2004 9 Include file `lib.sf` cannot be read: EACCES: permission denied.'],
  );
});

test('SF2006: a root file that cannot be read', (t) => {
  const r = resolveFile(join(scratchDir('frog-missing-'), 'nothing.sf'));
  t.deepEqual(r.diagnostics.map((d) => d.code), ['SF2006']);
  t.regex(r.diagnostics[0].message, /^Cannot read `.*nothing\.sf`: no such file\.$/);
});
