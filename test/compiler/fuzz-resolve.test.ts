/**
 * Mutated descriptions never make the resolver throw or hang, and every problem is a
 * diagnostic with a code and a span. Seeded, so a failure is reproducible.
 */
import test from 'ava';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFile } from '../../compiler/resolve.js';
import { compile } from '../../compiler/plan.js';
import { seededRandom } from '../../runtime/group/memory-network.js';

const cases = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'cases');


const TOKENS = ['extends', '{', '}', ';', ':', 'LAZY', 'DATA', 'PARENT', 'ROOT', 'ATTRIB', '(', ')', '+', '[', ']', '[|', '|]', 'TBD', '--', 'sfConfig', 'x', '"s"', '1', 'IF', 'THEN', 'ELSE', 'FI', '#include "lib.sf"', 'OPTIONAL(1)', 'APPLY', 'ASSERT', '[sfTemp]', 'a:b'];

function mutate(text: string, rnd: () => number): string {
  const words = text.split(/(\s+)/);
  const kind = Math.floor(rnd() * 5);
  const at = Math.floor(rnd() * Math.max(1, words.length));
  switch (kind) {
    case 0: // delete a token
      words.splice(at, 1);
      return words.join('');
    case 1: // duplicate a token
      words.splice(at, 0, words[at] ?? '', ' ');
      return words.join('');
    case 2: // insert a token
      words.splice(at, 0, ' ', TOKENS[Math.floor(rnd() * TOKENS.length)], ' ');
      return words.join('');
    case 3: { // flip a character
      const i = Math.floor(rnd() * Math.max(1, text.length));
      return text.slice(0, i) + String.fromCharCode(32 + Math.floor(rnd() * 95)) + text.slice(i + 1);
    }
    default: // truncate
      return text.slice(0, Math.floor(rnd() * text.length));
  }
}

test('mutated conformance inputs never throw or hang in resolution', (t) => {
  const rnd = seededRandom(20261126);
  const folders = readdirSync(cases).filter((c) => existsSync(join(cases, c, 'input.sf'))).sort();
  const work = mkdtempSync(join(tmpdir(), 'frog-fuzz-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  let runs = 0;
  let withErrors = 0;
  const deadline = Date.now() + 90_000;
  for (let round = 0; round < 20 && Date.now() < deadline; round++) {
    for (const folder of folders) {
      const dir = join(work, `${round}-${folder}`);
      cpSync(join(cases, folder), dir, { recursive: true });
      let text = readFileSync(join(dir, 'input.sf'), 'utf8');
      const steps = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < steps; i++) text = mutate(text, rnd);
      writeFileSync(join(dir, 'input.sf'), text);
      const started = Date.now();
      let result;
      try {
        result = resolveFile(join(dir, 'input.sf'));
        if (result.description) compile(result.description, { source: join(dir, 'input.sf') });
      } catch (e) {
        t.fail(`${folder} round ${round} threw ${(e as Error).stack}\n--- input ---\n${text}`);
        return;
      }
      t.true(Date.now() - started < 10_000, `${folder} round ${round} took too long`);
      for (const d of result.diagnostics) {
        if (!/^SF\d{4}$/.test(d.code) || !d.message) t.fail(`bad diagnostic ${JSON.stringify(d)}`);
        if (d.span) {
          const source = result.sources.get(d.span.file);
          if (!source || d.span.start < 0 || d.span.end > source.text.length) t.fail(`span outside its file: ${JSON.stringify(d)}`);
        } else if (d.code !== 'SF2401' && d.code !== 'SF2006') {
          t.fail(`diagnostic without a span: ${JSON.stringify(d)}\n--- input ---\n${text}`);
        }
      }
      if (result.diagnostics.length) withErrors++;
      runs++;
    }
  }
  t.true(runs >= 1000, `ran ${runs}`);
  t.true(withErrors > runs / 4, `${withErrors} of ${runs} mutated inputs had errors`);
});
