/**
 * The front end's share of the conformance suite (test/conformance/cases): every `.sf`
 * file of every case parses without syntax errors, except the cases whose expected
 * error is a `Parse` error, and printing then parsing gives the same tree.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '../../language/parse.js';
import { print } from '../../language/printer.js';
import { toSExpression } from '../../language/sexpr.js';
import { failOnFastPathFailures } from './helpers.js';

failOnFastPathFailures();

const casesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'cases');
const cases = readdirSync(casesDir).filter((d) => existsSync(join(casesDir, d, 'input.sf'))).sort();

function expectedKind(dir: string): string | undefined {
  const p = join(dir, 'expected.error');
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n')[0].trim() : undefined;
}

function syntaxCodes(file: string): string[] {
  return parse(readFileSync(file, 'utf8'), file).diagnostics.map((d) => `${d.code} ${d.message}`);
}

test('the suite holds every shared case', (t) => {
  t.is(cases.length, 112);
});

/**
 * Case 86: `half.sf` is an include that does not parse on its own (`Broken extends {`).
 * Its `input.sf` also has a stray `}` (written to close the include's brace, which a
 * file boundary does not allow), so both files fail; naming `half.sf` in the final
 * error is the resolver's part.
 */
const BROKEN_INCLUDES: Record<string, string[]> = { '86-include-must-parse-on-its-own': ['half.sf'] };

for (const name of cases) {
  const dir = join(casesDir, name);
  const sfFiles = readdirSync(dir).filter((f) => f.endsWith('.sf')).sort();
  const parseError = expectedKind(dir) === 'Parse';

  test(`parse ${name}`, (t) => {
    for (const f of sfFiles) {
      const codes = syntaxCodes(join(dir, f));
      const mustFail = (parseError && f === 'input.sf') || BROKEN_INCLUDES[name]?.includes(f);
      if (mustFail) {
        t.true(codes.length > 0, `${f} should fail to parse`);
        for (const c of codes) t.regex(c, /^SF1\d{3} /);
      } else {
        t.deepEqual(codes, [], `${f} parses cleanly`);
      }
    }
  });

  // Files with syntax errors have no tree worth printing.
  const clean = sfFiles.filter((f) => syntaxCodes(join(dir, f)).length === 0);
  if (clean.length === 0) continue;
  test(`round trip ${name}`, (t) => {
    for (const f of clean) {
      const first = parse(readFileSync(join(dir, f), 'utf8'), f);
      const printed = print(first.ast);
      const second = parse(printed, f);
      t.deepEqual(second.diagnostics, [], `printed ${f} parses:\n${printed}`);
      t.is(toSExpression(second.ast), toSExpression(first.ast), `printed ${f}:\n${printed}`);
    }
  });
}

test('the Parse cases fail where the spec says', (t) => {
  const at = (name: string) => {
    const file = join(casesDir, name, 'input.sf');
    const r = parse(readFileSync(file, 'utf8'), file);
    return r.diagnostics.map((d) => {
      const p = r.source.position(d.span!.start);
      return `${d.code} line ${p.line}, column ${p.column}`;
    });
  };
  t.deepEqual(at('03-integer-too-large'), ['SF1006 line 1, column 24']);
  t.deepEqual(at('09-subtraction-needs-spaces-around'), ['SF1005 line 1, column 26']);
  t.deepEqual(at('65-mixed-operators-need-nesting'), ['SF1008 line 1, column 31']);
});
