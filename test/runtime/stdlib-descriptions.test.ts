/**
 * The standard components as descriptions use them: compiled from `.sf` text with the
 * standard prototypes (`/frog/components.sf`, `/org/smartfrog/components.sf`), then run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { compileFile, toCanonicalJson } from '../../compiler/index.js';
import { resolveFile } from '../../compiler/resolve.js';
import { ComponentHost, EventRecorder } from '../../runtime/index.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { scratchDir } from '../support/scratch.js';

function write(text: string): { dir: string; file: string } {
  const dir = scratchDir('frog-stdlib-sf-');
  const file = join(dir, 'app.sf');
  writeFileSync(file, text);
  return { dir, file };
}

async function run(text: string) {
  const { dir, file } = write(text);
  const compiled = compileFile(file);
  if (!compiled.plan) throw new Error(compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: 'test', workingDirectory: dir, liveness: { delay: 0 } });
  const recorder = new EventRecorder(host.events);
  const r = await host.deploy(compiled.plan);
  const record = await r.terminated;
  const output = recorder.events.filter((e) => e.event === 'output').map((e) => e.text);
  const logs = recorder.events.filter((e) => e.event === 'log').map((e) => e.text);
  return { dir, record, output, logs };
}

test('Exec takes its environment from a DATA description, as its prototype documents', async (t) => {
  const r = await run([
    '#include "/frog/components.sf"',
    'sfConfig extends Exec {',
    '    shell true; inheritEnvironment false;',
    '    command "echo \\"$FOO|$COUNT|$RATIO|$BIG\\"";',
    '    environment extends DATA { FOO "bar"; COUNT 3; RATIO 2.0; BIG 1.0E10; }',
    '}',
  ].join('\n'));
  t.is(r.record.type, 'normal', r.record.reason);
  t.deepEqual(r.output, ['bar|3|2.0|1.0E10']);
});

test('an eager environment description is a child without sfClass: a compile error that says to mark it DATA', (t) => {
  const { file } = write('#include "/frog/components.sf"\nsfConfig extends Exec { command "true"; environment extends { FOO "bar"; } }\n');
  const compiled = compileFile(file);
  t.is(compiled.plan, undefined);
  t.deepEqual(compiled.diagnostics.map((d) => d.code), ['SF3201']);
  t.regex(compiled.diagnostics[0].message, /sfConfig:environment/);
  t.regex(compiled.diagnostics[0].hint ?? '', /DATA/);
});

test('Echo, Log and File write numbers as ++ does: Doubles and Floats the Java way', async (t) => {
  const r = await run([
    '#include "/frog/components.sf"',
    'sfConfig extends Sequence {',
    '    two 2.0; big 1.0E10; small 0.0001; fl 2.5F; n 7; l 8L;',
    '    a extends Echo { message 2.0; }',
    '    b extends Echo { message 1.0E10; }',
    '    c extends Echo { message [| 1, 2.0, 3L, "x", 0.5F |]; }',
    '    d extends Echo { message ("same as ++: " ++ 2.0 ++ " " ++ 1.0E10); }',
    '    e extends Log { message 1.0E-5; }',
    '    f extends File { path "out.txt"; template true; content "${two} ${big} ${small} ${fl} ${n} ${l}"; }',
    '}',
  ].join('\n'));
  t.is(r.record.type, 'normal', r.record.reason);
  t.deepEqual(r.output, ['2.0', '1.0E10', '[1, 2.0, 3, x, 0.5]', 'same as ++: 2.0 1.0E10']);
  t.true(r.logs.includes('1.0E-5'));
  t.is(readFileSync(join(r.dir, 'out.txt'), 'utf8'), '2.0 1.0E10 1.0E-4 2.5 7 8');
});

test('/org/smartfrog/components.sf: Prim and Compound carry static schemas, checked at compile time and left out of the output', (t) => {
  const good = write([
    '#include "/org/smartfrog/components.sf"',
    'Worker extends WorkflowPrim { sfClass "Echo"; }',
    'sfConfig extends Compound {',
    '    sfLivenessDelay 5;',
    '    a extends Prim { sfClass "Echo"; sfProcessHost "here"; }',
    '    w extends Worker { sfShouldTerminate true; }',
    '}',
  ].join('\n'));
  const resolved = resolveFile(good.file);
  t.deepEqual(resolved.diagnostics, []);
  const json = toCanonicalJson(resolved.description!);
  t.notRegex(json, /sfPrimSchema|CheckSchemaElement/);
  const w = JSON.parse(json).$cd.find(([n]: [string]) => n === 'w')[1].$cd;
  t.deepEqual(w, [['sfShouldDetach', false], ['sfShouldTerminate', true], ['sfShouldTerminateQuietly', false], ['sfClass', 'Echo']]);

  // Templates outside sfConfig need no sfClass; a Prim inside sfConfig does (docs/design/components.md §12-B1).
  const bad = write([
    '#include "/org/smartfrog/components.sf"',
    'Abstract extends Prim { x 1; }',
    'sfConfig extends Compound {',
    '    sfSyncTerminate "yes";',
    '    a extends Abstract;',
    '    b extends WorkflowPrim { sfClass "Echo"; sfShouldDetach 1; }',
    '    c extends Prim { sfClass "Echo"; sfLivenessFactor "two"; }',
    '}',
  ].join('\n'));
  const problems = resolveFile(bad.file).diagnostics.map((d) => `${d.code} ${d.message}`);
  t.is(problems.length, 4, problems.join('\n'));
  t.true(problems.some((p) => /^SF3102 .*'sfSyncTerminate' in `sfConfig`/.test(p)));
  t.true(problems.some((p) => /^SF3101 .*`sfClass` is missing in `sfConfig:a`/.test(p)));
  t.true(problems.some((p) => /^SF3102 .*'sfShouldDetach' in `sfConfig:b`/.test(p)));
  t.true(problems.some((p) => /^SF3102 .*'sfLivenessFactor' in `sfConfig:c`/.test(p)));
});

test('the registry tells a type by the name descriptions use: SmartFrog identifiers and module exports', (t) => {
  const r = createStandardRegistry();
  t.is(r.displayName('org.smartfrog.sfcore.workflow.combinators.Sequence'), 'Sequence');
  t.is(r.displayName('org.smartfrog.sfcore.prim.PrimImpl'), 'Prim');
  t.is(r.displayName('Sequence'), 'Sequence');
  t.is(r.displayName('./components.ts#Greeter'), 'Greeter');
  t.is(r.displayName('SomethingElse'), 'SomethingElse');
});
