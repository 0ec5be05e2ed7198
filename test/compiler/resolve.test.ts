import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFile } from '../../compiler/resolve.js';
import { toCanonicalJson } from '../../core/canonical.js';
import { unparse } from '../../compiler/unparse.js';
import { scratchDir } from '../support/scratch.js';

function write(files: Record<string, string>): string {
  const dir = scratchDir('frog-resolve-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function resolveText(text: string, extra: Record<string, string> = {}) {
  const dir = write({ 'main.sf': text, ...extra });
  return resolveFile(join(dir, 'main.sf'));
}

test('a description with several independent mistakes reports all of them', (t) => {
  const text = 'sfConfig extends {\n  a missing1;\n  b extends { c missing2; }\n  d (1 + "x");\n  e TBD;\n}\n';
  const r = resolveText(text);
  t.deepEqual(r.diagnostics.map((d) => d.code), ['SF2501', 'SF2501', 'SF2609', 'SF2505']);
  const lines = r.diagnostics.map((d) => r.sources.get(d.span!.file)!.position(d.span!.start).line);
  t.deepEqual(lines, [2, 3, 4, 5]);
  t.is(r.description, undefined);
});

test('a prototype that is not found does not hide mistakes elsewhere, and what it leaves missing is not reported again', (t) => {
  const text = [
    'Base extends { port 1; }',
    'sfConfig extends {',
    '  db extends Base;',
    '  other extends Prin { x 1; }',
    '  copy extends other { z 2; }',
    '  web extends { dbPort db:prot; o other:y; z other:x; c copy:y; inner extends { w PARENT:PARENT:other:y; } }',
    '  bad (1 + "x");',
    '}',
    '',
  ].join('\n');
  const r = resolveText(text);
  t.deepEqual(
    r.diagnostics.map((d) => `${r.sources.get(d.span!.file)!.position(d.span!.start).line} ${d.code}`),
    ['4 SF2101', '6 SF2501', '7 SF2609'],
  );
  t.regex(r.diagnostics[1].message, /`db:prot`/);
  t.is(r.description, undefined);
});

test('a failure caused by another one is reported once', (t) => {
  const r = resolveText('sfConfig extends { a b; b c; c nothing; }');
  t.deepEqual(r.diagnostics.map((d) => d.code), ['SF2501']);
  t.regex(r.diagnostics[0].message, /`nothing`/);
});

test('a cyclic reference names the whole cycle', (t) => {
  const r = resolveText('sfConfig extends { a b; b c; c a; }');
  t.is(r.diagnostics.length, 1);
  t.is(r.diagnostics[0].code, 'SF2504');
  t.regex(r.diagnostics[0].message, /sfConfig:a` → `sfConfig:b` → `sfConfig:c` → `sfConfig:a/);
});

test('a reference error says where the lookup stopped', (t) => {
  const r = resolveText('sfConfig extends { a extends { b extends { } } x a:b:c:d; }');
  t.is(r.diagnostics[0].code, 'SF2501');
  t.regex(r.diagnostics[0].message, /no `c` in `a:b`/);
});

test('include search: the including folder, then -I roots in order, then the standard library', (t) => {
  const lib1 = write({ 'lib.sf': 'who "first";' });
  const lib2 = write({ 'lib.sf': 'who "second";', 'only2.sf': 'other 2;' });
  const dir = write({ 'main.sf': '#include "lib.sf"\n#include "/only2.sf"\nsfConfig extends { w who; o other; }' });
  const r = resolveFile(join(dir, 'main.sf'), { includePath: [lib1, lib2] });
  t.deepEqual(r.diagnostics, []);
  t.regex(toCanonicalJson(r.description!), /"first"/);
  const local = write({ 'main.sf': '#include "lib.sf"\nsfConfig extends { w who; }', 'lib.sf': 'who "local";' });
  const r2 = resolveFile(join(local, 'main.sf'), { includePath: [lib1] });
  t.regex(toCanonicalJson(r2.description!), /"local"/);
});

test('every missing include is reported with its span', (t) => {
  const r = resolveText('#include "a.sf"\n#include "b.sf"\n#include? "c.sf"\nsfConfig extends { }');
  t.deepEqual(r.diagnostics.map((d) => d.code), ['SF2001', 'SF2001']);
  t.deepEqual(r.diagnostics.map((d) => d.span!.start), [9, 25]);
});

test('an unreadable root file is a diagnostic, not an exception', (t) => {
  const r = resolveFile('/nonexistent/frog/main.sf');
  t.is(r.diagnostics[0].code, 'SF2006');
});

test('canonical output is byte-for-byte stable', (t) => {
  const text = '#include "/org/smartfrog/functions.sf"\nT extends { a 1; b (a + 2); }\nsfConfig extends { x extends T { c [a, b, "s"]; } y x:b; z extends sum { -- 1; -- 2L; } }';
  const a = toCanonicalJson(resolveText(text).description!);
  const b = toCanonicalJson(resolveText(text).description!);
  t.is(a, b);
  t.regex(a, /"\$long": "3"/);
});

test('the .sf output parses back to the same description', (t) => {
  const text = 'sfConfig extends { [t1] a 1; b 2L; c 1.5f; d 2.5; e "q\\"s\\n"; f [| 1, "x" |]; g LAZY ROOT:x; h DATA a; i extends DATA { j 1; } k LAZY APPLY { sfFunctionClass "org.smartfrog.sfcore.languages.sf.functions.Sum"; -- 1; } l #HEX# 0a ff #; m NULL; n true; }';
  const first = resolveText(text).description!;
  const again = resolveText(`sfConfig extends {\n${unparse(first)}}\n`);
  t.deepEqual(again.diagnostics, []);
  t.is(toCanonicalJson(again.description!), toCanonicalJson(first));
});

test('sfTemp attributes are dropped and static assertions removed after checking', (t) => {
  const r = resolveText('#include "/org/smartfrog/predicates.sf"\nsfConfig extends { [sfTemp] base 10; port (base + 1); c extends Assertions { sfAssertionPhase "static"; ok (port > 5); } }');
  t.deepEqual(r.diagnostics, []);
  t.is(toCanonicalJson(r.description!), '{\n  "$cd": [\n    [\n      "port",\n      11\n    ]\n  ]\n}\n');
});

test('ENVPROPERTY reads the environment given to the resolver', (t) => {
  const dir = write({ 'main.sf': 'sfConfig extends { home ENVPROPERTY FROG_TEST_VALUE; n IENVPROPERTY FROG_TEST_NUMBER; }' });
  const r = resolveFile(join(dir, 'main.sf'), { env: { FROG_TEST_VALUE: 'pond', FROG_TEST_NUMBER: '42' } });
  t.deepEqual(r.diagnostics, []);
  t.regex(toCanonicalJson(r.description!), /"pond"[\s\S]*42/);
});

test('Prim and Compound schemas check sf attributes at compile time, and sfSchema false switches them off', (t) => {
  const on = resolveText('#include "/org/smartfrog/components.sf"\nsfConfig extends Compound {\n  b extends Prim { x 1; }\n  c extends Compound { sfSyncTerminate "yes"; }\n}\n');
  t.deepEqual(
    on.diagnostics.map((d) => `${on.sources.get(d.span!.file)!.position(d.span!.start).line} ${d.code}`),
    ['3 SF3101', '4 SF3102'],
  );
  const off = resolveText('#include "/org/smartfrog/components.sf"\nsfConfig extends Compound {\n  b extends Prim { sfSchema false; x 1; }\n  c extends Compound { sfSchema false; sfSyncTerminate "yes"; }\n}\n');
  t.deepEqual(off.diagnostics, []);
  t.truthy(off.description);
});

test('what follows from a failed prototype is not reported in the type and place phases either', (t) => {
  const r = resolveText('sfConfig extends {\n  a extends Missing;\n  h extends a:nothing;\n  a:b:c 1;\n  x y;\n}\n');
  t.deepEqual(
    r.diagnostics.map((d) => `${r.sources.get(d.span!.file)!.position(d.span!.start).line} ${d.code}`),
    ['2 SF2101', '5 SF2501'],
  );
});

test('a placement follows eager links on its path, chained ones too, and waits for a link target that another placement creates', (t) => {
  const r = resolveText(`
    Base extends { x 1; }
    sfConfig extends {
      a b;
      b Base;
      a:y 2;
      late extends { }
      d late:made;
      d:z 3;
      late:made extends { }
      e Base;
    }`);
  t.deepEqual(r.diagnostics, []);
  t.regex(toCanonicalJson(r.description!), /"e",\s*\{\s*"\$cd": \[\s*\[\s*"x",\s*1\s*\],\s*\[\s*"y",\s*2\s*\]/);
  t.regex(toCanonicalJson(r.description!), /"d",\s*\{\s*"\$cd": \[\s*\[\s*"z",\s*3\s*\]/);
});
