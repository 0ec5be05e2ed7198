/**
 * Bounded fuzzing of the front end: thousands of inputs mutated from the conformance
 * inputs (character flips, truncations, deleted and duplicated tokens), from a seeded
 * PRNG so that every run sees the same inputs. For each: `parse` returns (never
 * throws), within a generous time guard, and every diagnostic has a code and a span
 * inside the text. Inputs that still parse cleanly must also survive print → parse.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lex } from '../../language/chevrotain/lexer.js';
import { parse, parseReference } from '../../language/parse.js';
import { print } from '../../language/printer.js';
import { toSExpression } from '../../language/sexpr.js';
import { SourceFile } from '../../core/source.js';
import { seededRandom } from '../../runtime/group/memory-network.js';
import { failOnFastPathFailures } from './helpers.js';

failOnFastPathFailures();

const casesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'cases');
const seeds: string[] = [];
for (const name of readdirSync(casesDir).sort()) {
  for (const f of readdirSync(join(casesDir, name)).sort()) {
    if (f.endsWith('.sf')) seeds.push(readFileSync(join(casesDir, name, f), 'utf8'));
  }
}


/** Characters that matter to the lexer, plus a few that it does not know. */
const INTERESTING = '{}[]()|;:,"#\\/*-+!<>=&x.0123456789eELfd \n\t\u00e9\u0000?`@';

function mutate(text: string, rand: () => number): string {
  const pick = (n: number) => Math.floor(rand() * n);
  const tokens = lex(new SourceFile('m.sf', text)).tokens;
  const kind = pick(4);
  if (kind === 0 || tokens.length === 0) {
    // Flip one character.
    const i = pick(text.length + 1);
    return text.slice(0, i) + INTERESTING[pick(INTERESTING.length)] + text.slice(i + 1);
  }
  if (kind === 1) return text.slice(0, pick(text.length + 1));
  const t = tokens[pick(tokens.length)];
  const start = t.startOffset;
  const end = start + t.image.length;
  if (kind === 2) return text.slice(0, start) + text.slice(end);
  return text.slice(0, end) + ' ' + t.image + text.slice(end);
}

const ROUNDS = 3000;
const GUARD_MS = 5000;

test(`${ROUNDS} mutated inputs never throw and only give well-formed diagnostics`, (t) => {
  const rand = seededRandom(20260501);
  let clean = 0;
  let failed = 0;
  for (let i = 0; i < ROUNDS; i++) {
    let text = seeds[Math.floor(rand() * seeds.length)];
    const steps = 1 + Math.floor(rand() * 3);
    for (let s = 0; s < steps; s++) text = mutate(text, rand);
    const started = performance.now();
    let result;
    try {
      result = parse(text, 'fuzz.sf');
    } catch (e) {
      t.fail(`parse threw on ${JSON.stringify(text)}: ${e instanceof Error ? e.stack : String(e)}`);
      return;
    }
    const ms = performance.now() - started;
    if (ms > GUARD_MS) t.fail(`parse took ${ms.toFixed(0)} ms on ${JSON.stringify(text)}`);
    for (const d of result.diagnostics) {
      const ok =
        /^SF1\d{3}$/.test(d.code) &&
        d.severity === 'error' &&
        d.message.length > 0 &&
        d.span !== undefined &&
        d.span.file === 'fuzz.sf' &&
        d.span.start >= 0 &&
        d.span.start <= d.span.end &&
        d.span.end <= text.length;
      if (!ok) {
        t.fail(`bad diagnostic ${JSON.stringify(d)} for ${JSON.stringify(text)}`);
        return;
      }
    }
    if (result.diagnostics.length === 0) {
      clean++;
      const printed = print(result.ast);
      const again = parse(printed, 'fuzz.sf');
      if (again.diagnostics.length > 0 || toSExpression(again.ast) !== toSExpression(result.ast)) {
        t.fail(`round trip differs for ${JSON.stringify(text)}; printed ${JSON.stringify(printed)}`);
        return;
      }
    } else {
      failed++;
    }
  }
  // Both kinds occur, or the mutations are not testing what they claim to.
  t.true(clean > 100, `clean inputs: ${clean}`);
  t.true(failed > 100, `failing inputs: ${failed}`);
});

test('parseReference never throws on mutated references', (t) => {
  const rand = seededRandom(7);
  const refs = ['PARENT:x', 'LAZY ROOT:a:b', 'DATA x', 'OPTIONAL(3) a:b', 'HERE "odd name":c', 'ATTRIB a'];
  for (let i = 0; i < 1000; i++) {
    const text = mutate(refs[Math.floor(rand() * refs.length)], rand);
    const r = parseReference(text);
    for (const d of r.diagnostics) {
      t.true(d.span !== undefined && d.span.start >= 0 && d.span.end <= text.length && /^SF1\d{3}$/.test(d.code), JSON.stringify(d));
    }
    if (r.reference) t.true(r.diagnostics.length === 0);
  }
});
