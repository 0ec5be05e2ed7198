/** `frog explain`: the steps and spans that tell why an attribute has its value (docs/design/language.md §17). */
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import { explainFile, explanationJson, renderExplanation, type ExplainResult } from '../../compiler/explain.js';
import { resolveFile } from '../../compiler/resolve.js';
import { Trace } from '../../compiler/trace.js';
import { toCanonicalJson } from '../../core/canonical.js';
import { Description, quoteNameIfNeeded } from '../../core/values.js';
import { memoryIo } from '../../cli/io.js';
import { explainCommand } from '../../cli/commands/explain/action.js';
import { scratchDir } from '../support/scratch.js';

function write(files: Record<string, string>): string {
  const dir = scratchDir('frog-explain-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function explain(text: string, path: string, extra: Record<string, string> = {}, options = {}): ExplainResult {
  const dir = write({ 'app.sf': text, ...extra });
  return explainFile(join(dir, 'app.sf'), path, options);
}

/** Each step as `kind depth file:line:col`, for comparing whole stories. */
function story(r: ExplainResult): string[] {
  t0(r);
  return r.explanation!.steps.map((s) => {
    if (!s.span) return `${s.kind} ${s.depth} -`;
    const pos = r.sources.get(s.span.file)!.position(s.span.start);
    return `${s.kind} ${s.depth} ${basename(s.span.file)}:${pos.line}:${pos.column}`;
  });
}

function t0(r: ExplainResult): void {
  if (!r.explanation) throw new Error(`no explanation: ${r.diagnostics.map((d) => d.message).join('; ')}`);
}

function messages(r: ExplainResult): string[] {
  t0(r);
  return r.explanation!.steps.map((s) => s.message);
}

const APP = [
  'Base extends { port 80; host "localhost"; }',
  'Web extends Base { port 8080; }',
  'sfConfig extends { db extends Base; web extends Web { dbPort db:port; } }',
  '',
].join('\n');

test('an inherited override: the prototype that set it, what it overrode, and the extends that brought it', (t) => {
  const r = explain(APP, 'web:port');
  t.is(r.explanation!.path, 'sfConfig:web:port');
  t.is(r.explanation!.value, 8080);
  t.deepEqual(story(r), ['inherited 0 app.sf:3:49', 'written 0 app.sf:2:20', 'overridden 1 app.sf:1:16']);
  t.deepEqual(messages(r), [
    '`sfConfig:web` inherits `port` from its prototype `Web`.',
    '`Web` sets `port` to `8080`.',
    'That overrides `80` from its prototype `Base`.',
  ]);
});

test('sfConfig:web:port is the same path as web:port', (t) => {
  t.deepEqual(story(explain(APP, 'sfConfig:web:port')), story(explain(APP, 'web:port')));
});

test('a reference: where it was written, each lookup step, then the story of what it found', (t) => {
  const r = explain(APP, 'web:dbPort');
  t.is(r.explanation!.value, 80);
  t.deepEqual(story(r), [
    'written 0 app.sf:3:55',
    'link 0 app.sf:3:62',
    'lookup 1 app.sf:3:20',
    'lookup 1 app.sf:1:16',
    'inherited 2 app.sf:3:31',
    'written 2 app.sf:1:16',
  ]);
  const m = messages(r);
  t.is(m[0], '`sfConfig:web` sets `dbPort` to the link `db:port`.');
  t.is(m[2], 'Step 1: `db` is not in `sfConfig:web`; found in `sfConfig`: a description (`extends Base`).');
  t.is(m[3], 'Step 2: `port` found in `sfConfig:db`: `80`.');
  t.is(m[4], '`sfConfig:db` inherits `port` from its prototype `Base`.');
});

test('PARENT, ROOT, ATTRIB and HERE parts each give a step', (t) => {
  const text = [
    'sfConfig extends {',
    '  size 3;',
    '  up extends { deep extends { p PARENT:PARENT:size; r ROOT:sfConfig:size; a ATTRIB size; h HERE q; q 5; } }',
    '}',
    '',
  ].join('\n');
  const p = explain(text, 'up:deep:p');
  t.deepEqual(messages(p).slice(2, 5), ['Step 1: `PARENT` is `sfConfig:up`.', 'Step 2: `PARENT` is `sfConfig`.', 'Step 3: `size` found in `sfConfig`: `3`.']);
  t.deepEqual(story(p).slice(2, 5), ['lookup 1 app.sf:3:3', 'lookup 1 app.sf:1:1', 'lookup 1 app.sf:2:3']);
  const r = explain(text, 'up:deep:r');
  t.deepEqual(messages(r).slice(2, 5), ['Step 1: `ROOT` is the root.', 'Step 2: `sfConfig` found in `ROOT`: a description (`extends { … }`).', 'Step 3: `size` found in `sfConfig`: `3`.']);
  const a = explain(text, 'up:deep:a');
  t.is(messages(a)[2], 'Step 1: `size` is not in `sfConfig:up:deep`; found in `sfConfig`: `3`.');
  const h = explain(text, 'up:deep:h');
  t.is(messages(h)[2], 'Step 1: `HERE q` found in `sfConfig:up:deep`: `5`.');
  t.deepEqual(story(h).slice(2), ['lookup 1 app.sf:3:100', 'written 2 app.sf:3:100']);
});

test('a placement: the placement, then what it replaced with its own story', (t) => {
  const text = [
    'Outer extends { box extends { port 81; } }',
    'sfConfig extends {',
    '  o extends Outer;',
    '  o:box:port 99;',
    '}',
    '',
  ].join('\n');
  const r = explain(text, 'o:box:port');
  t.is(r.explanation!.value, 99);
  t.deepEqual(story(r), ['placed 0 app.sf:4:3', 'overridden 1 app.sf:1:31', 'copied 2 app.sf:3:13', 'written 2 app.sf:1:31']);
  t.deepEqual(messages(r), [
    'The placement `o:box:port` in `sfConfig` sets `port` of `sfConfig:o:box` to `99`.',
    'It replaces `81`, defined before placement:',
    '`sfConfig:o:box` is a copy of `Outer:box`, made by `sfConfig:o extends Outer`.',
    '`Outer:box` sets `port` to `81`.',
  ]);
});

test('a placement written in a prototype says which extends brought it', (t) => {
  const text = ['T extends { inner extends { }; inner:x 5; }', 'sfConfig extends { t extends T; }', ''].join('\n');
  const r = explain(text, 't:inner:x');
  t.deepEqual(story(r), ['placed 0 app.sf:1:32', 'inherited 1 app.sf:2:30', 'written 1 app.sf:1:32']);
});

test('a nested copy: the chain of copies back to where the value was written', (t) => {
  const text = ['Server extends { inner extends { x 1; } }', 'Outer extends { box extends Server; }', 'sfConfig extends { o extends Outer; }', ''].join('\n');
  const r = explain(text, 'o:box:inner:x');
  t.deepEqual(story(r), ['copied 0 app.sf:3:30', 'copied 0 app.sf:2:29', 'written 0 app.sf:1:34']);
  t.is(messages(r)[1], '`Outer:box:inner` is a copy of `Server:inner`, made by `Outer:box extends Server`.');
});

test('a prototype from an included file shows that file', (t) => {
  const r = explain('#include "lib/base.sf"\nsfConfig extends { s extends Server { port 81; } }\n', 's:host', {
    'lib/base.sf': 'Server extends {\n  port 80;\n  host "h";\n}\n',
  });
  t.deepEqual(story(r), ['inherited 0 app.sf:2:30', 'written 0 base.sf:3:3']);
  t.true(r.explanation!.steps[1].span!.file.endsWith(join('lib', 'base.sf')));
});

test('a function: its expression, its result and each operand, references explained', (t) => {
  const r = explain('sfConfig extends { size 3; sum (size + 2); }\n', 'sum');
  t.is(r.explanation!.value, 5);
  t.deepEqual(story(r), [
    'written 0 app.sf:1:28',
    'function 0 app.sf:1:32',
    'operand 1 app.sf:1:33',
    'link 2 app.sf:1:33',
    'lookup 3 app.sf:1:20',
    'written 4 app.sf:1:20',
    'operand 1 app.sf:1:40',
  ]);
  const m = messages(r);
  t.is(m[1], 'The function `(size + 2)` (`Sum`) gives `5`. Its operands:');
  t.is(m[2], 'Operand 1 (`size`) is `3`.');
  t.is(m[3], 'The link `size` is looked up from the function of `sfConfig:sum`:');
  t.is(m[6], 'Operand 2 (`2`).');
});

test('nested operators and IF: each function in turn', (t) => {
  const r = explain('sfConfig extends { n 3; v IF (n > 2) THEN "big" ELSE "small" FI; }\n', 'v');
  t.is(r.explanation!.value, 'big');
  const m = messages(r);
  t.regex(m[1], /^The function `IF \(n > 2\) THEN "big" ELSE "small" FI` \(`IfThenElse`\) gives `"big"`/);
  t.true(m.includes('Operand `if` is `true`.'));
  t.true(m.includes('The function `(n > 2)` (`GT`) gives `true`. Its operands:'));
});

test('a LAZY link: resolved at run time, and what it would resolve to now', (t) => {
  const text = 'sfConfig extends { port 5; lz LAZY port; via lz; }\n';
  const r = explain(text, 'lz');
  t.is(r.explanation!.value instanceof Object, true);
  t.deepEqual(story(r), ['written 0 app.sf:1:28', 'lazy 0 app.sf:1:31', 'lookup 1 app.sf:1:20', 'written 2 app.sf:1:20']);
  t.regex(messages(r)[1], /^`LAZY port` is a LAZY link: it is resolved at run time, from `sfConfig`\. Resolved now/);
  const via = explain(text, 'via');
  const m = messages(via);
  t.regex(m[1], /the lookup reaches a LAZY value, so the link stays LAZY and is resolved at run time/);
  t.is(m[2], 'Step 1: `lz` found in `sfConfig`: the LAZY link `port`, which now gives `5`.');
});

test('a LAZY part that cannot be resolved now is said so', (t) => {
  const r = explain('sfConfig extends { h LAZY HOST x:y; }\n', 'h');
  t.regex(messages(r).at(-1)!, /^Step 1: `HOST` cannot be resolved while compiling\.$/);
});

test('a DATA reference is never resolved', (t) => {
  const r = explain('sfConfig extends { a 1; d DATA a; }\n', 'd');
  t.deepEqual(story(r), ['written 0 app.sf:1:25', 'data 0 app.sf:1:27']);
});

test('a template outside sfConfig, by ROOT:', (t) => {
  const r = explain(APP, 'ROOT:Web:port');
  t.is(r.explanation!.path, 'Web:port');
  t.deepEqual(story(r), ['written 0 app.sf:2:20', 'overridden 1 app.sf:1:16']);
});

test('a description lists the prototypes it was copied from', (t) => {
  const r = explain(APP, 'web');
  t.deepEqual(story(r), ['written 0 app.sf:3:37', 'inherited 1 app.sf:3:49']);
  t.is(messages(r)[1], '`sfConfig:web` extends `Web`: it starts as a copy of it.');
});

test('a path that names no attribute: SF2901 with did-you-mean; through a value: SF2902; not a path: SF2903', (t) => {
  const missing = explain(APP, 'web:prot');
  t.is(missing.explanation, undefined);
  t.deepEqual(missing.diagnostics.map((d) => d.code), ['SF2901']);
  t.is(missing.diagnostics[0].message, 'Attribute path `web:prot` not found: no `prot` in `sfConfig:web`.');
  t.is(missing.diagnostics[0].hint, 'Did you mean `port`?');
  const through = explain(APP, 'web:port:x');
  t.deepEqual(through.diagnostics.map((d) => [d.code, d.message]), [['SF2902', 'Attribute path `web:port:x` not found: `web:port` is an Integer, not a component description.']]);
  const bad = explain(APP, 'web::port');
  t.deepEqual(bad.diagnostics.map((d) => d.code), ['SF2903']);
  t.deepEqual(explain(APP, 'PARENT:x').diagnostics.map((d) => d.code), ['SF2903']);
});

test('a file with errors gets its diagnostics and no explanation', (t) => {
  const r = explain('sfConfig extends { a missing; }\n', 'a');
  t.is(r.explanation, undefined);
  t.deepEqual(r.diagnostics.map((d) => d.code), ['SF2501']);
});

test('resolving with a trace gives the same output as without', (t) => {
  const dir = write({ 'app.sf': APP + 'sfConfig:web:more (1 + web:port);\nsfConfig:lz LAZY db;\n' });
  const plain = resolveFile(join(dir, 'app.sf'));
  t.deepEqual(plain.diagnostics, []);
  const traced = resolveFile(join(dir, 'app.sf'), { trace: new Trace() });
  t.is(toCanonicalJson(traced.description!), toCanonicalJson(plain.description!));
});

test('text: a heading with the value, then each step with its place and code frame', (t) => {
  const r = explain(APP, 'web:port');
  const text = renderExplanation(r.explanation!, r.sources);
  const lines = text.split('\n');
  t.regex(lines[0], /^sfConfig:web:port = 8080$/);
  t.regex(lines[2], /app\.sf:3:49 - `sfConfig:web` inherits `port` from its prototype `Web`\.$/);
  t.is(lines[3], '    3 | sfConfig extends { db extends Base; web extends Web { dbPort db:port; } }');
  t.is(lines[4], '      |                                                 ^^^');
});

test('json: the value in canonical form and every step with file, line and column', (t) => {
  const dir = write({ 'app.sf': APP });
  const r = explainFile(join(dir, 'app.sf'), 'web:dbPort');
  const json = explanationJson(r.explanation!, r.sources, dir);
  t.is(json.path, 'sfConfig:web:dbPort');
  t.is(json.value, 80);
  t.deepEqual(json.steps[0], {
    kind: 'written',
    depth: 0,
    message: '`sfConfig:web` sets `dbPort` to the link `db:port`.',
    file: 'app.sf',
    line: 3,
    column: 55,
    endLine: 3,
    endColumn: 61,
    value: 'db:port',
  });
  t.deepEqual(json.steps.map((s) => s.kind), ['written', 'link', 'lookup', 'lookup', 'inherited', 'written']);
});

test('frog explain prints the explanation and exits 0; JSON with --json; 1 with the diagnostic for a bad path', async (t) => {
  const dir = write({ 'app.sf': APP });
  const io = memoryIo(dir);
  t.is(await explainCommand({ file: 'app.sf', path: 'web:port', includePath: [], json: false }, io), 0);
  t.regex(io.out.join(''), /^sfConfig:web:port = 8080\n\napp\.sf:3:49 - /);
  t.deepEqual(io.err, []);
  const json = memoryIo(dir);
  t.is(await explainCommand({ file: 'app.sf', path: 'web:port', includePath: [], json: true }, json), 0);
  t.is(JSON.parse(json.out.join('')).value, 8080);
  const bad = memoryIo(dir);
  t.is(await explainCommand({ file: 'app.sf', path: 'web:prot', includePath: [], json: false }, bad), 1);
  t.regex(bad.err.join(''), /error SF2901: Attribute path `web:prot` not found: no `prot` in `sfConfig:web`\.\nhint: Did you mean `port`\?/);
  t.deepEqual(bad.out, []);
});

test('frog explain uses -I for includes and exits 1 on a file with errors', async (t) => {
  const dir = write({ 'app.sf': '#include "base.sf"\nsfConfig extends { s extends Server; bad nothing; }\n', 'inc/base.sf': 'Server extends { port 80; }\n' });
  const io = memoryIo(dir);
  t.is(await explainCommand({ file: 'app.sf', path: 's:port', includePath: ['inc'], json: false }, io), 1);
  t.regex(io.err.join(''), /app\.sf:2:42 - error SF2501/);
  writeFileSync(join(dir, 'app.sf'), '#include "base.sf"\nsfConfig extends { s extends Server; }\n');
  const ok = memoryIo(dir);
  t.is(await explainCommand({ file: 'app.sf', path: 's:port', includePath: ['inc'], json: false }, ok), 0);
  t.regex(ok.out.join(''), /inc\/base\.sf:1:18 - `Server` sets `port` to `80`\./);
});

test('a description made a function by the function phase, and a predicate checked while compiling', (t) => {
  const text = [
    '#include "org/smartfrog/functions.sf"',
    '#include "org/smartfrog/predicates.sf"',
    'sfConfig extends {',
    '  port 80;',
    '  total extends sum { -- 1; -- port; }',
    '  checks extends Assertions { sfAssertionPhase "static"; positive (port > 0); }',
    '  later extends Assertions { p (LAZY port > 0); }',
    '}',
    '',
  ].join('\n');
  const total = explain(text, 'total');
  t.is(total.explanation!.value, 81);
  t.deepEqual(story(total).slice(0, 5), ['written 0 app.sf:5:3', 'constructed 0 app.sf:5:9', 'function 0 app.sf:5:9', 'operand 1 app.sf:5:23', 'operand 1 app.sf:5:29']);
  t.deepEqual(messages(total).slice(1, 5), [
    'The function phase makes this description a function (it carries `phase.function`).',
    'The function `extends sum { -- 1; -- port; }` (`Sum`) gives `81`. Its operands:',
    'Operand 1 is `1`.',
    'Operand 2 is `80`.',
  ]);
  const checks = explain(text, 'checks');
  t.regex(messages(checks)[2], /is checked while compiling: it holds, and it is left out of the output\. Its operands:$/);
  t.true(messages(checks).includes('Operand `right` is `0`.'));
  const later = explain(text, 'later');
  t.regex(messages(later)[2], /kept in the output, to be checked at run time \(an operand is LAZY\)/);
  t.true(messages(later).includes('The function `(LAZY port > 0)` (`GT`) has a LAZY operand: it is computed at run time. Its operands now:'));
});

test('sfConfig written as a link: explained from the root, with the lookup that selected it', (t) => {
  const r = explain('lib extends { name "lib"; Server extends { owner PARENT:name; } }\nsfConfig lib:Server;\n', 'sfConfig');
  t.deepEqual(messages(r).slice(0, 2), ['`ROOT` sets `sfConfig` to the link `lib:Server`.', 'The link `lib:Server` is looked up from `ROOT`:']);
  const owner = explain('lib extends { name "lib"; Server extends { owner PARENT:name; } }\nsfConfig lib:Server;\n', 'owner');
  t.is(owner.explanation!.path, 'lib:Server:owner');
  t.is(owner.explanation!.value, 'lib');
});

test('every conformance case: a trace changes no output, and every attribute of sfConfig can be explained', (t) => {
  const casesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'cases');
  let explained = 0;
  for (const name of readdirSync(casesDir)) {
    const input = join(casesDir, name, 'input.sf');
    if (!existsSync(input)) continue;
    const plain = resolveFile(input);
    const traced = resolveFile(input, { trace: new Trace() });
    t.deepEqual(traced.diagnostics, plain.diagnostics, name);
    if (!plain.description) continue;
    t.is(toCanonicalJson(traced.description!), toCanonicalJson(plain.description), name);
    // Every attribute, two levels down: no step may throw, and each explanation has a story.
    const paths: string[] = [];
    for (const [a, attr] of plain.description.attrs) {
      paths.push(quoteNameIfNeeded(a));
      if (attr.value instanceof Description) for (const b of attr.value.attrs.keys()) paths.push(`${quoteNameIfNeeded(a)}:${quoteNameIfNeeded(b)}`);
    }
    for (const path of paths) {
      const r = explainFile(input, path);
      t.truthy(r.explanation, `${name} ${path}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      t.true(r.explanation!.steps.length > 0, `${name} ${path}`);
      t.true(renderExplanation(r.explanation!, r.sources).length > 0);
      t.truthy(JSON.stringify(explanationJson(r.explanation!, r.sources)));
      explained++;
    }
  }
  t.true(explained > 200, `explained ${explained} attributes`);
});
