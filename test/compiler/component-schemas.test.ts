/**
 * `frog validate` catches what `frog run` would: the attributes of standard components (their
 * prototypes' schemas), of user classes that declare them, and every independent mistake in
 * one run (docs/design/language.md §11.3, docs/design/pipeline.md §3.2).
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryIo } from '../../cli/io.js';
import { validateCommand } from '../../cli/commands/resolve/action.js';
import { resolveFile } from '../../compiler/resolve.js';
import { compileFile } from '../../compiler/plan.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { ComponentHost } from '../../runtime/host/host.js';
import { scratchDir } from '../support/scratch.js';

const dir = scratchDir('frog-schemas-');
const write = (name: string, lines: string[]): string => {
  writeFileSync(join(dir, name), lines.join('\n') + '\n');
  return name;
};
const validate = async (file: string): Promise<{ exit: number; err: string }> => {
  const io = memoryIo(dir);
  const exit = await validateCommand({ files: [file], includePath: [] }, io);
  return { exit, err: io.err.join('') };
};

test('the four mistakes of the issue are caught by validate, each at the attribute written', async (t) => {
  const file = write('four.sf', [
    '#include "/frog/components.sf"',
    'sfConfig extends Compound {',
    '    d extends Delay { time "soon"; }',
    '    e extends Exec { restart "sometimes"; command "true"; }',
    '    f extends Exec { }',
    '    g extends Echo { mesage "x"; }',
    '}',
  ]);
  const { exit, err } = await validate(file);
  t.is(exit, 1);
  t.regex(err, /four\.sf:3:23 - error SF3102: .*'time \(milliseconds\)' in `sfConfig:d`, expected: Number, found: String "soon"/);
  t.regex(err, /four\.sf:4:22 - error SF3108: .*'restart .*' in `sfConfig:e` is String "sometimes", which is not one of: "never", "on-failure", "always"/);
  t.regex(err, /four\.sf:5:7 - error SF3101: .*`command \(the program to run\)` is missing in `sfConfig:f`/);
  t.regex(err, /four\.sf:6:22 - warning SF3111: `sfConfig:g` \(Echo\) has no attribute 'mesage'[\s\S]*hint: Did you mean `message`\?/);
  // The schema element is named where the library is, not by a path into the installation.
  t.regex(err, /related: <stdlib>\/frog\/components\.sf:\d+:\d+ - The schema element `command`\./);
  t.notRegex(err, /library\/frog/);
});

test('an allowed value one slip away gets a did-you-mean, and a range is checked', async (t) => {
  const file = write('slips.sf', [
    '#include "/frog/components.sf"',
    'sfConfig extends Compound {',
    '    e extends Exec { command "true"; restart "on-failur"; maxRestarts -1; }',
    '    p extends HttpProbe { url "http://127.0.0.1:1/"; status 999; }',
    '}',
  ]);
  const { err } = await validate(file);
  t.regex(err, /slips\.sf:3:38 - error SF3108[\s\S]*?hint: Did you mean "on-failure"\?/);
  t.regex(err, /slips\.sf:3:59 - error SF3109: .*'maxRestarts .*' in `sfConfig:e` is Integer -1; it must be at least 0/);
  t.regex(err, /slips\.sf:4:54 - error SF3109: .*'status .*' in `sfConfig:p` is Integer 999; it must be from 100 to 599/);
});

test('a misspelt required attribute: both the missing one and the slip are reported', async (t) => {
  const { err } = await validate(write('comand.sf', ['#include "/frog/components.sf"', 'sfConfig extends Exec { comand "ls"; }']));
  t.regex(err, /SF3101: .*`command \(the program to run\)` is missing/);
  t.regex(err, /warning SF3111: `sfConfig` \(Exec\) has no attribute 'comand'[\s\S]*Did you mean `command`\?/);
});

test('a container warns only of near misses: data for its children is not a mistake', async (t) => {
  const file = write('container.sf', [
    '#include "/frog/components.sf"',
    'sfConfig extends Repeat {',
    '    who "world";',
    '    repet 3;',
    '    a extends Echo { message ("hello " ++ who); }',
    '}',
  ]);
  const { exit, err } = await validate(file);
  t.is(exit, 0, 'warnings alone do not fail validation');
  t.notRegex(err, /'who'/);
  t.regex(err, /container\.sf:4:5 - warning SF3111: .*'repet'[\s\S]*Did you mean `repeat`\?/);
});

test('an attribute meant as data is declared in the schema by a placement, and the warning goes', async (t) => {
  const file = write('declared.sf', [
    '#include "/frog/components.sf"',
    'sfConfig extends Exec { sfPrimSchema:port extends OptionalLong; port 8080; command ("serve " ++ port); }',
  ]);
  const { exit, err } = await validate(file);
  t.is(exit, 0);
  t.is(err, '');
});

test('every standard component resolves without a diagnostic from its own defaults', (t) => {
  // The schemas must agree with the prototypes' own defaults: a prototype given only what is
  // required validates cleanly, and the schemas are not in the output.
  const required: Record<string, string> = {
    Echo: '',
    Log: '',
    Exec: 'command "true";',
    File: 'path "x";',
    Directory: 'path "x";',
    HttpProbe: 'url "http://127.0.0.1/";',
    StatePublisher: 'stateName "s";',
    StateObserver: 'stateName "s";',
    ForEach: 'stateName "s"; template extends LAZY Echo;',
    DeployOnEach: 'stateName "s"; template extends LAZY Echo;',
    Sequence: '',
    Parallel: '',
    Repeat: '',
    Retry: '',
    Timeout: '',
    During: '',
    Delay: '',
    Try: 'action extends Echo;',
    Run: '',
    DoNothing: '',
    Terminator: '',
    If: '',
    WaitFor: '',
    FailingWaitFor: '',
    FileExists: 'file "x";',
    PortOpen: 'port 80;',
    UrlResponds: 'url "http://127.0.0.1/";',
    BooleanValue: 'value true;',
    True: '',
    False: '',
    And: '',
    Or: '',
    Not: '',
  };
  const body = Object.entries(required).map(([name, attrs]) => `    c${name} extends ${name} { ${attrs} }`);
  const file = write('all.sf', ['#include "/frog/components.sf"', 'sfConfig extends Compound {', ...body, '}']);
  const result = compileFile(join(dir, file));
  t.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  t.truthy(result.plan);
  t.notRegex(JSON.stringify(result.plan), /sfPrimSchema|CheckSchemaElement|sfSchemaUnlisted/);
});

test('a user class that declares its attributes gets the same checks, at the attributes written', async (t) => {
  writeFileSync(
    join(dir, 'greeter.js'),
    [
      "import { Prim } from 'frogpond';",
      'export class Greeter extends Prim {',
      "  static attributes = { who: { type: 'string', required: true, description: 'whom to greet' }, times: { type: 'integer', min: 1 }, tone: { values: ['warm', 'cold'] } };",
      '}',
    ].join('\n'),
  );
  const file = write('user.sf', [
    '#include "/frog/components.sf"',
    'sfConfig extends Compound {',
    '    a extends Prim { sfClass "./greeter.js#Greeter"; times 0; tone "hot"; wh "x"; }',
    '    b extends Prim { sfClass "./greeter.js#Greter"; }',
    '    c extends Prim { sfClass "Exce"; }',
    '    d extends Prim { sfClass "./greeter.js#Greeter"; who LAZY PARENT:name; times 2; }',
    '}',
  ]);
  const { exit, err } = await validate(file);
  t.is(exit, 1);
  t.regex(err, /user\.sf:3:22 - error SF4005: Attribute `who \(whom to greet\)` is missing in `sfConfig:a`/);
  t.regex(err, /user\.sf:3:54 - error SF4004: Attribute `times` of `sfConfig:a` must be a number at least 1, found 0/);
  t.regex(err, /user\.sf:3:63 - error SF4004: Attribute `tone` of `sfConfig:a` must be one of "warm", "cold", found "hot"/);
  t.regex(err, /user\.sf:3:75 - warning SF3111: `sfConfig:a` \(Greeter\) has no attribute 'wh'[\s\S]*?Did you mean `who`\?/);
  t.regex(err, /user\.sf:4:22 - error SF4003: [^\n]*`Greter`[\s\S]*?hint: Did you mean `Greeter`\?/);
  t.regex(err, /user\.sf:5:22 - error SF4001: Unknown component type `Exce`[\s\S]*?hint: Did you mean `Exec`\?/);
  t.notRegex(err, /sfConfig:d/, 'a LAZY value is left for run time');
  t.notRegex(err, /^path: /m, 'the path is in the message already');
});

test('a host refuses to deploy a plan whose user class finds its attributes wrong, and deploys despite warnings', async (t) => {
  writeFileSync(
    join(dir, 'strict.js'),
    ["import { Prim } from 'frogpond';", 'export class Strict extends Prim {', "  static attributes = { size: { type: 'integer', required: true } };", '}'].join('\n'),
  );
  const bad = compileFile(join(dir, write('strict-bad.sf', ['sfConfig extends { sfClass "./strict.js#Strict"; size "big"; }'])));
  const good = compileFile(join(dir, write('strict-good.sf', ['sfConfig extends { sfClass "./strict.js#Strict"; size 3; extra 1; }'])));
  const host = new ComponentHost({ registry: createStandardRegistry(), workingDirectory: dir });
  const refused = await host.deploy(bad.plan!);
  t.is(refused.root, undefined);
  t.is(refused.diagnostics[0]?.code, 'SF4004');
  const deployed = await host.deploy(good.plan!);
  t.truthy(deployed.root, 'an unlisted attribute is a warning, not a refusal');
  await deployed.root!.sfTerminate();
});

test('one run reports every independent mistake: a misspelt prototype does not hide a missing module', async (t) => {
  const file = write('independent.sf', [
    '#include "/frog/components.sf"',
    'sfConfig extends Compund {',
    '    x extends Prim { sfClass "./nothere.js#X"; }',
    '    y extends Exec { command "true"; }',
    '}',
  ]);
  const { exit, err } = await validate(file);
  t.is(exit, 1);
  t.regex(err, /independent\.sf:2:18 - error SF2101: [\s\S]*?Did you mean `Compound`\?/);
  t.regex(err, /independent\.sf:3:22 - error SF4002: Component module `\.\/nothere\.js#X` for `sfConfig:x` cannot be loaded/);
  t.notRegex(err, /sfConfig:y/);
  // The library keeps the tree it got to, for exactly this.
  const resolved = resolveFile(join(dir, file));
  t.is(resolved.description, undefined);
  t.truthy(resolved.partial);
});

test('a Try without its action is caught by validate; its handlers, named after termination types, are not unlisted attributes', async (t) => {
  const { exit, err } = await validate(write('try.sf', ['#include "/frog/components.sf"', 'sfConfig extends Try { normal extends Echo { message "x"; } }']));
  t.is(exit, 1);
  t.regex(err, /try\.sf:2:10 - error SF3101: .*`action \(the action to run/);
  const ok = await validate(write('try-ok.sf', ['#include "/frog/components.sf"', 'sfConfig extends Try { action extends Echo; abnormal extends Echo { message "x"; } }']));
  t.is(ok.exit, 0);
  t.is(ok.err, '');
});

test('a description extending Prim without an sfClass is told why, and how to give it one', async (t) => {
  const { err } = await validate(write('prim.sf', ['#include "/frog/components.sf"', 'sfConfig extends Compound { db extends Prim { port 1; } }']));
  t.regex(err, /error SF3101: .*`sfClass` is missing in `sfConfig:db`[\s\S]*hint: `Prim` is the base of every component and has no implementation of its own/);
});
