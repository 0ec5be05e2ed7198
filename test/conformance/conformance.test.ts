/**
 * The golden conformance suite: every folder under test/conformance/<group>/ with an
 * `input.sf` is one case, compared with its `expected.json` (the canonical JSON of the
 * resolved sfConfig) or `expected.error` (line 1 the error kind, line 2 a phrase the
 * message conveys). `SF_UPDATE=1 npm test` rewrites the expectations from what the
 * resolver produces; review the diff.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFile } from '../../compiler/resolve.js';
import { toCanonicalJson } from '../../compiler/canonical.js';
import { messageForCode } from '../../language/messages.js';

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

/** `uniqueN` names are opaque: renumber them by first appearance. */
function normaliseUnique(text: string): string {
  const map = new Map<string, string>();
  return text.replace(/"unique\d+"/g, (m) => {
    if (!map.has(m)) map.set(m, `"unique#${map.size}"`);
    return map.get(m)!;
  });
}

function normalisePhrase(s: string): string {
  return s.toLowerCase().replace(/[`'":,.\[\]]/g, ' ').replace(/\s+/g, ' ').trim();
}

for (const dir of caseFolders()) {
  const name = dir.slice(here.length + 1);
  test(name, (t) => {
    const result = resolveFile(join(dir, 'input.sf'));
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const jsonPath = join(dir, 'expected.json');
    const errorPath = join(dir, 'expected.error');
    if (update) {
      if (errors.length) {
        const first = errors[0];
        const kind = messageForCode(first.code)?.kind ?? 'Unknown';
        const keep = existsSync(errorPath) ? readFileSync(errorPath, 'utf8').split('\n')[1] : first.message;
        writeFileSync(errorPath, `${kind}\n${keep}\n`);
      } else if (result.description) {
        writeFileSync(jsonPath, toCanonicalJson(result.description));
      }
      t.pass();
      return;
    }
    if (existsSync(jsonPath)) {
      t.deepEqual(errors.map((e) => `${e.code} ${e.message}`), [], 'no errors expected');
      t.truthy(result.description);
      if (!result.description) return;
      t.is(normaliseUnique(toCanonicalJson(result.description)), normaliseUnique(readFileSync(jsonPath, 'utf8')));
      return;
    }
    const [kind, phrase] = readFileSync(errorPath, 'utf8').split('\n');
    t.true(errors.length > 0, `expected a ${kind} error`);
    for (const e of errors) {
      t.truthy(e.code.match(/^SF\d{4}$/), `code of ${e.message}`);
      t.truthy(e.span, `span of ${e.code} ${e.message}`);
    }
    const kinds = errors.map((e) => messageForCode(e.code)?.kind);
    t.true(kinds.includes(kind), `kind ${kind} among ${kinds.join(', ')}: ${errors.map((e) => e.message).join(' | ')}`);
    const position = /line (\d+), column (\d+)/.exec(phrase ?? '');
    if (position) {
      const located = errors.some((e) => {
        const source = e.span && result.sources.get(e.span.file);
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
